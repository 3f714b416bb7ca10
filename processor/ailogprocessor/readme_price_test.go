package ailogprocessor

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"sigs.k8s.io/yaml"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// readmePriceExample is the price table the README shows, as a Config.
func readmePriceExample(t testing.TB) *Config {
	raw, err := os.ReadFile("README.md")
	require.NoError(t, err)
	doc := string(raw)
	const begin, end = "<!-- price-example:begin -->\n```yaml\n", "```\n<!-- price-example:end -->"
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	require.True(t, i >= 0 && j > i, "README.md lacks the price example markers")
	var parsed map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(doc[i+len(begin):j]), &parsed))
	cfg := defaultConfig()
	sub, err := confmap.NewFromStringMap(parsed).Sub("processors::ailog")
	require.NoError(t, err)
	require.NoError(t, sub.Unmarshal(cfg))
	require.NoError(t, cfg.Validate())
	return cfg
}

// TestREADMEPriceExample: the README's price table gives the cost the
// README states for a gpt-4o request with cached and reasoning tokens, and
// for the same request without the cache.
func TestREADMEPriceExample(t *testing.T) {
	cfg := readmePriceExample(t)
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)

	for _, tc := range []struct {
		aiLog, stated string
		want          float64
	}{
		{`{"model":"gpt-4o-2024-08-06","input_token":12000,"output_token":800,"cached_tokens":10000,"reasoning_tokens":300}`,
			"**%.4f USD**", 0.0255},
		{`{"model":"gpt-4o-2024-08-06","input_token":12000,"output_token":800,"reasoning_tokens":300}`,
			"would have cost %.3f USD", 0.038},
	} {
		attrs, _ := run(t, cfg, func(m pcommon.Map) { m.PutStr(accesslog.AttrAILog, tc.aiLog) })
		cost, ok := attrs.Get(accesslog.AttrCost)
		require.True(t, ok)
		assert.InDelta(t, tc.want, cost.Double(), 1e-12)
		assert.Equal(t, "USD", attrs.AsRaw()[accesslog.AttrCurrency])
		assert.Contains(t, string(readme), fmt.Sprintf(tc.stated, cost.Double()))
	}

	// The order the README explains: gpt-4o-mini is not priced as gpt-4o.
	attrs, _ := run(t, cfg, func(m pcommon.Map) {
		m.PutStr(accesslog.AttrAILog, `{"model":"gpt-4o-mini","input_token":1000000}`)
	})
	assert.InDelta(t, 0.15, attrs.AsRaw()[accesslog.AttrCost], 1e-12)
	// Qwen: its own currency, cached tokens at the input price.
	attrs, _ = run(t, cfg, func(m pcommon.Map) {
		m.PutStr(accesslog.AttrAILog, `{"model":"qwen-plus-latest","input_token":1000000,"cached_tokens":500000,"output_token":1000000}`)
	})
	assert.InDelta(t, 2.80, attrs.AsRaw()[accesslog.AttrCost], 1e-12)
	assert.Equal(t, "CNY", attrs.AsRaw()[accesslog.AttrCurrency])
}
