package ailogprocessor // import "github.com/otelcol-higress/otelcol-higress/processor/ailogprocessor"

import (
	"context"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
	"github.com/otelcol-higress/otelcol-higress/processor/ailogprocessor/internal/metadata"
)

// keyRule is one ai_log table row with the configuration resolved once, so
// that the per-record work is a single map lookup per key.
type keyRule struct {
	row *accesslog.AILogKey
	// flatten is false when include/exclude keep the key from becoming a
	// flat attribute; column fallbacks still read it.
	flatten bool
	// countOpt carries the metric attribute key=<ai_log key>, built once
	// because metric.WithAttributes allocates.
	countOpt metric.AddOption
	// details are the entries of this details object that fill columns.
	details []accesslog.AILogDetail
}

// extraColumns is how many column attributes a record may gain besides
// the flat ones (model, consumer, tokens, mcp tool and server, cost and
// currency).
const extraColumns = 10

type aiLogProcessor struct {
	cfg       *Config
	telemetry *metadata.TelemetryBuilder
	rules     map[string]keyRule
	include   map[string]bool
	exclude   map[string]bool
	content   map[string]bool
	prices    priceTable
}

func newAILogProcessor(set processor.Settings, cfg *Config) (*aiLogProcessor, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	prices, err := newPriceTable(cfg.Pricing)
	if err != nil {
		return nil, err
	}
	p := &aiLogProcessor{
		prices:    prices,
		cfg:       cfg,
		telemetry: tb,
		rules:     make(map[string]keyRule, len(accesslog.AILogKeys)),
		include:   setOf(cfg.Include),
		exclude:   setOf(cfg.Exclude),
		content:   setOf(cfg.Content.Keys),
	}
	for i := range accesslog.AILogKeys {
		row := &accesslog.AILogKeys[i]
		p.rules[row.Key] = keyRule{
			row:      row,
			flatten:  p.flattens(row.Key),
			countOpt: metric.WithAttributeSet(attribute.NewSet(attribute.String("key", row.Key))),
			details:  detailsOf(row.Key),
		}
	}
	return p, nil
}

func detailsOf(object string) []accesslog.AILogDetail {
	var out []accesslog.AILogDetail
	for _, d := range accesslog.AILogDetails {
		if d.Object == object {
			out = append(out, d)
		}
	}
	return out
}

func setOf(keys []string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// flattens says whether include/exclude let key become a flat attribute.
func (p *aiLogProcessor) flattens(key string) bool {
	if len(p.include) > 0 {
		return p.include[key]
	}
	return !p.exclude[key]
}

func (p *aiLogProcessor) shutdown(context.Context) error {
	p.telemetry.Shutdown()
	return nil
}

// processLogs never drops a record nor fails the batch: ai_log is optional
// and whatever it holds is kept, typed where possible.
func (p *aiLogProcessor) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				p.processRecord(ctx, lrs.At(k))
			}
		}
	}
	return ld, nil
}

func (p *aiLogProcessor) processRecord(ctx context.Context, lr plog.LogRecord) {
	attrs := lr.Attributes()
	var fb fallbacks
	if v, ok := attrs.Get(p.cfg.FromAttribute); ok {
		if v.Type() == pcommon.ValueTypeStr {
			// Older senders, or receivers (OTLP) that did not parse it: the
			// string is replaced by the parsed map, values as sent, so that
			// every later component sees one shape. Anything but an object
			// (or "null", an empty map, as the receiver makes it) stays.
			if m, ok := accesslog.ParseObject(v.Str(), false); ok {
				m.MoveTo(v.SetEmptyMap())
			}
		}
		if v.Type() == pcommon.ValueTypeMap {
			ai := v.Map()
			// Content first: flat attributes then carry what the policy let through.
			p.applyContent(ai)
			// One growth of the attribute slice instead of several; the
			// few extra slots are for column fills.
			attrs.EnsureCapacity(attrs.Len() + ai.Len() + extraColumns)
			p.flatten(ctx, attrs, ai, &fb)
		}
		if !p.cfg.KeepOriginal {
			attrs.Remove(p.cfg.FromAttribute)
		}
	}
	fillColumns(attrs, &fb)
	fillMCPServer(attrs)
	fillUpstreamCluster(attrs)
	p.applyPricing(ctx, attrs)
}
