package ailogprocessor

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
	"github.com/otelcol-higress/otelcol-higress/processor/ailogprocessor/internal/metadatatest"
)

func ptr(f float64) *float64 { return &f }

// testPrices: an exact name before a glob that also matches it, a glob
// across "/", an entry without a cached price, one in its own currency.
func testPrices() PricingConfig {
	return PricingConfig{
		Currency: "USD",
		Models: []ModelPrice{
			{Model: "gpt-4o-mini", InputPerMillion: 0.15, OutputPerMillion: 0.60, CachedInputPerMillion: ptr(0.075)},
			{Model: "gpt-4o*", InputPerMillion: 2.50, OutputPerMillion: 10, CachedInputPerMillion: ptr(1.25)},
			{Model: "*/Qwen2.5-*", InputPerMillion: 0.5, OutputPerMillion: 1},
			{Model: "qwen-{max,plus}", InputPerMillion: 2.4, OutputPerMillion: 9.6, CachedInputPerMillion: ptr(0.48), Currency: "CNY"},
		},
	}
}

func TestPricing(t *testing.T) {
	tests := []struct {
		name     string
		attrs    map[string]any
		aiLog    string
		cost     float64 // -1: no cost attribute
		currency string
		unpriced int64
	}{
		{
			name:  "exact name wins over a later glob",
			attrs: map[string]any{accesslog.AttrModel: "gpt-4o-mini", accesslog.AttrInputTokens: 1000, accesslog.AttrOutputTokens: 100},
			cost:  (1000*0.15 + 100*0.60) / 1e6, currency: "USD",
		},
		{
			name:  "glob, cached tokens at the cached rate",
			attrs: map[string]any{accesslog.AttrModel: "gpt-4o-2024-08-06", accesslog.AttrInputTokens: 12000, accesslog.AttrOutputTokens: 800},
			aiLog: `{"cached_tokens":"10000"}`,
			cost:  (2000*2.50 + 10000*1.25 + 800*10) / 1e6, currency: "USD",
		},
		{
			name:  "cached tokens from input_token_details sent as a JSON string",
			attrs: map[string]any{accesslog.AttrModel: "gpt-4o", accesslog.AttrInputTokens: 12000, accesslog.AttrOutputTokens: 800},
			aiLog: `{"input_token_details":"{\"cached_tokens\":\"10000\"}"}`,
			cost:  (2000*2.50 + 10000*1.25 + 800*10) / 1e6, currency: "USD",
		},
		{
			name:  "more cached than input is capped at the input",
			attrs: map[string]any{accesslog.AttrModel: "gpt-4o", accesslog.AttrInputTokens: 100, accesslog.AttrOutputTokens: 10},
			aiLog: `{"cached_tokens":500}`,
			cost:  (100*1.25 + 10*10) / 1e6, currency: "USD",
		},
		{
			name:  "no cached price: cached tokens cost the input price",
			attrs: map[string]any{accesslog.AttrModel: "Qwen/Qwen2.5-72B-Instruct", accesslog.AttrInputTokens: 1000, accesslog.AttrOutputTokens: 1000},
			aiLog: `{"cached_tokens":400}`,
			cost:  (1000*0.5 + 1000*1) / 1e6, currency: "USD",
		},
		{
			name:  "own currency, model and usage only in ai_log",
			aiLog: `{"model":"qwen-max","input_token":"2000","output_token":"500","cached_tokens":"1000"}`,
			cost:  (1000*2.4 + 1000*0.48 + 500*9.6) / 1e6, currency: "CNY",
		},
		{
			name:  "request model unknown to the table, response model priced",
			attrs: map[string]any{accesslog.AttrModel: "my-alias", accesslog.AttrInputTokens: 10, accesslog.AttrOutputTokens: 10},
			aiLog: `{"model":"gpt-4o-mini"}`,
			cost:  (10*0.15 + 10*0.60) / 1e6, currency: "USD",
		},
		{
			name:     "unknown model: no cost, counted",
			attrs:    map[string]any{accesslog.AttrModel: "llama-3-70b", accesslog.AttrInputTokens: 10},
			cost:     -1,
			unpriced: 1,
		},
		{
			name:     "usage without a model: no cost, counted",
			attrs:    map[string]any{accesslog.AttrInputTokens: 10},
			cost:     -1,
			unpriced: 1,
		},
		{
			name:  "no usage: nothing to price, not counted",
			attrs: map[string]any{accesslog.AttrModel: "gpt-4o", accesslog.AttrInputTokens: 0},
			cost:  -1,
		},
		{
			name:  "a cost sent at the top level is kept, as a number",
			attrs: map[string]any{accesslog.AttrModel: "gpt-4o", accesslog.AttrInputTokens: 10, accesslog.AttrCost: "0.5"},
			cost:  0.5,
		},
		{
			name:  "an empty top-level cost is absent",
			attrs: map[string]any{accesslog.AttrModel: "gpt-4o", accesslog.AttrInputTokens: 1000, accesslog.AttrCost: ""},
			cost:  1000 * 2.50 / 1e6, currency: "USD",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaultConfig()
			cfg.Pricing = testPrices()
			require.NoError(t, cfg.Validate())
			attrs, tel := run(t, cfg, func(m pcommon.Map) {
				require.NoError(t, m.FromRaw(tt.attrs))
				if tt.aiLog != "" {
					m.PutStr(accesslog.AttrAILog, tt.aiLog)
				}
			})
			cost, ok := attrs.Get(accesslog.AttrCost)
			if tt.cost < 0 {
				assert.False(t, ok, "no cost expected")
			} else {
				require.True(t, ok)
				require.Equal(t, pcommon.ValueTypeDouble, cost.Type())
				assert.InDelta(t, tt.cost, cost.Double(), 1e-15)
			}
			currency, ok := attrs.Get(accesslog.AttrCurrency)
			if tt.currency == "" {
				assert.False(t, ok)
			} else {
				assert.Equal(t, tt.currency, currency.Str())
			}
			if tt.unpriced == 0 {
				_, err := tel.GetMetric("otelcol_processor_ailog_unpriced_records")
				assert.Error(t, err, "not counted")
			} else {
				metadatatest.AssertEqualProcessorAilogUnpricedRecords(t, tel,
					[]metricdata.DataPoint[int64]{{Value: tt.unpriced}},
					metricdatatest.IgnoreTimestamp())
			}
		})
	}
}

// Without a price table nothing is priced or counted.
func TestNoPricingNoCost(t *testing.T) {
	attrs, tel := run(t, defaultConfig(), func(m pcommon.Map) {
		m.PutStr(accesslog.AttrModel, "gpt-4o")
		m.PutInt(accesslog.AttrInputTokens, 10)
	})
	_, ok := attrs.Get(accesslog.AttrCost)
	assert.False(t, ok)
	_, err := tel.GetMetric("otelcol_processor_ailog_unpriced_records")
	assert.Error(t, err)
}
