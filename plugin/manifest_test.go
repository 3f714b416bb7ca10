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

// wasmPlugin is the part of a Higress WasmPlugin that decides the plugin's
// configuration.
type wasmPlugin struct {
	Spec struct {
		Phase                string         `yaml:"phase"`
		Priority             int            `yaml:"priority"`
		DefaultConfigDisable bool           `yaml:"defaultConfigDisable"`
		DefaultConfig        map[string]any `yaml:"defaultConfig"`
		MatchRules           []struct {
			ConfigDisable bool           `yaml:"configDisable"`
			Ingress       []string       `yaml:"ingress"`
			Domain        []string       `yaml:"domain"`
			Service       []string       `yaml:"service"`
			Config        map[string]any `yaml:"config"`
		} `yaml:"matchRules"`
	} `yaml:"spec"`
}

func readManifest(t *testing.T, path string) wasmPlugin {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var m wasmPlugin
	require.NoError(t, yaml.Unmarshal(raw, &m))
	return m
}

func shippedManifest(t *testing.T) wasmPlugin {
	return readManifest(t, "../deploy/higress/otelcol-log-pusher.yaml")
}

// higressPluginConfig is the configuration Higress hands the plugin for a
// WasmPlugin (alibaba/higress pkg/ingress/config/ingress_config.go,
// convertIstioWasmPlugin): defaultConfig at the top level unless
// defaultConfigDisable, and each enabled match rule's config under _rules_
// with _match_route_ (ingress), _match_domain_ and _match_service_ — the
// keys wasm-go's rule matcher reads.
func higressPluginConfig(t *testing.T, m wasmPlugin) map[string]any {
	t.Helper()
	out := map[string]any{}
	if !m.Spec.DefaultConfigDisable {
		for k, v := range m.Spec.DefaultConfig {
			out[k] = v
		}
	}
	var rules []any
	for _, r := range m.Spec.MatchRules {
		if r.ConfigDisable {
			continue
		}
		rule := map[string]any{}
		for k, v := range r.Config {
			rule[k] = v
		}
		for key, list := range map[string][]string{"_match_route_": r.Ingress, "_match_domain_": r.Domain, "_match_service_": r.Service} {
			if len(list) > 0 {
				rule[key] = list
			}
		}
		require.Greater(t, len(rule), len(r.Config), "Higress refuses a match rule without a condition")
		rules = append(rules, rule)
	}
	if len(rules) > 0 {
		out["_rules_"] = rules
	}
	return out
}

// The shipped WasmPlugin configures this plugin globally (every request,
// with or without a route) in the first place of the chain, for the Service
// the chart creates; db-log-pusher's manifest keeps its own shape, which the
// plugin also takes (the drop-in promise: swap the url, nothing else).
func TestDeployManifestsConfigureThePlugin(t *testing.T) {
	shipped := shippedManifest(t)
	assert.Equal(t, "AUTHN", shipped.Spec.Phase)
	assert.Equal(t, 1010, shipped.Spec.Priority)
	assert.False(t, shipped.Spec.DefaultConfigDisable, "a global configuration: requests without a route too")
	assert.Empty(t, shipped.Spec.MatchRules, "every route unless the user narrows it")

	legacy := readManifest(t, "../deploy/higress/db-log-pusher.yaml")
	for name, cfg := range map[string]map[string]any{
		"otelcol-log-pusher.yaml": shipped.Spec.DefaultConfig,
		"db-log-pusher.yaml":      legacy.Spec.MatchRules[0].Config,
	} {
		s, err := readSettings(gjsonOf(t, cfg))
		require.NoError(t, err, name)
		assert.Equal(t, "outbound|80||log-collector.higress-system.svc.cluster.local", s.dest.cluster, name)
		assert.Equal(t, "/ingest", s.dest.path, name)
		assert.Empty(t, s.unknownKeys, name)
	}
}

func gjsonOf(t *testing.T, v any) gjson.Result {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return gjson.ParseBytes(b)
}
