package main

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"
	"gopkg.in/yaml.v3"
)

// The WasmPlugin manifests in deploy/higress configure this plugin as
// shipped: the new one, and db-log-pusher's, whose config is the drop-in
// promise (swap the url, nothing else).
func TestDeployManifestsConfigureThePlugin(t *testing.T) {
	for _, path := range []string{"../deploy/higress/otelcol-log-pusher.yaml", "../deploy/higress/db-log-pusher.yaml"} {
		t.Run(path, func(t *testing.T) {
			raw, err := os.ReadFile(path)
			require.NoError(t, err)
			var m struct {
				Spec struct {
					Phase      string `yaml:"phase"`
					Priority   int    `yaml:"priority"`
					MatchRules []struct {
						Config map[string]any `yaml:"config"`
					} `yaml:"matchRules"`
				} `yaml:"spec"`
			}
			require.NoError(t, yaml.Unmarshal(raw, &m))
			assert.Equal(t, "AUTHN", m.Spec.Phase)
			require.NotEmpty(t, m.Spec.MatchRules)
			for _, r := range m.Spec.MatchRules {
				cfg, err := json.Marshal(r.Config)
				require.NoError(t, err)
				s, err := readSettings(gjson.ParseBytes(cfg))
				require.NoError(t, err)
				assert.Equal(t, "outbound|80||log-collector.higress-system.svc.cluster.local", s.dest.cluster)
				assert.Equal(t, "/ingest", s.dest.path)
			}
		})
	}
}
