package ailogprocessor // import "github.com/otelcol-higress/otelcol-higress/processor/ailogprocessor"

import (
	"context"

	"github.com/gobwas/glob"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// price is one compiled row of the price table.
type price struct {
	match glob.Glob
	// per million tokens
	input, cachedInput, output float64
	currency                   string
}

// priceTable is the pricing configuration compiled once; rows keep the
// configured order because the first match wins.
type priceTable []price

func newPriceTable(pc PricingConfig) (priceTable, error) {
	t := make(priceTable, 0, len(pc.Models))
	for i := range pc.Models {
		m := &pc.Models[i]
		g, err := glob.Compile(m.Model)
		if err != nil {
			return nil, err
		}
		cached := m.InputPerMillion
		if m.CachedInputPerMillion != nil {
			cached = *m.CachedInputPerMillion
		}
		t = append(t, price{
			match:       g,
			input:       m.InputPerMillion,
			cachedInput: cached,
			output:      m.OutputPerMillion,
			currency:    m.currency(pc.Currency),
		})
	}
	return t, nil
}

// find returns the first row matching model, or nil.
func (t priceTable) find(model string) *price {
	if model == "" {
		return nil
	}
	for i := range t {
		if t[i].match.Match(model) {
			return &t[i]
		}
	}
	return nil
}

// cost of a request: cached input tokens at the cached rate, the rest of
// the input at the input rate (providers count cached tokens inside the
// input, as OpenAI's prompt_tokens does), output at the output rate
// (reasoning tokens are part of the output).
func (pr *price) cost(input, cached, output int64) float64 {
	cached = min(max(cached, 0), input)
	return (float64(input-cached)*pr.input + float64(cached)*pr.cachedInput + float64(output)*pr.output) / 1e6
}

// applyPricing sets the record's cost and currency once the column
// attributes are filled. A cost the sender put on the record is kept (as a
// number) and not priced again.
func (p *aiLogProcessor) applyPricing(ctx context.Context, attrs pcommon.Map) {
	if v, ok := attrs.Get(accesslog.AttrCost); ok {
		switch n, st := accesslog.NumberOf(v); st {
		case accesslog.IsNumber:
			v.SetDouble(n.AsFloat())
			return
		case accesslog.NotANumber:
			return
		}
	}
	if len(p.prices) == 0 {
		return
	}
	input, hasIn := positiveInt(attrs, accesslog.AttrInputTokens)
	output, hasOut := positiveInt(attrs, accesslog.AttrOutputTokens)
	if !hasIn && !hasOut {
		// Nothing was used (or nothing reported): nothing to price.
		return
	}
	pr := p.prices.find(stringAttr(attrs, accesslog.AttrModel))
	if pr == nil {
		pr = p.prices.find(stringAttr(attrs, accesslog.AttrResponseModel))
	}
	if pr == nil {
		p.telemetry.ProcessorAilogUnpricedRecords.Add(ctx, 1)
		return
	}
	cached, _ := positiveInt(attrs, accesslog.AttrCachedTokens)
	attrs.PutDouble(accesslog.AttrCost, pr.cost(input, cached, output))
	attrs.PutStr(accesslog.AttrCurrency, pr.currency)
}

func stringAttr(attrs pcommon.Map, key string) string {
	if v, ok := attrs.Get(key); ok && v.Type() == pcommon.ValueTypeStr {
		return v.Str()
	}
	return ""
}
