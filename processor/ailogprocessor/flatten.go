package ailogprocessor // import "github.com/otelcol-higress/otelcol-higress/processor/ailogprocessor"

import (
	"context"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// flatten turns each ai_log entry into its attribute by the table in
// internal/accesslog, and collects what the column fallbacks need. ai is a
// map nested in attrs; its storage is separate from attrs' own, so adding
// attributes while ranging over it is safe.
func (p *aiLogProcessor) flatten(ctx context.Context, attrs, ai pcommon.Map, fb *fallbacks) {
	for key, v := range ai.All() {
		rule, known := p.rules[key]
		if !known {
			// An operator's custom key: kept as sent, untyped.
			if p.flattens(key) && !isEmptyValue(v) {
				v.CopyTo(attrs.PutEmpty(accesslog.AILogCustomAttr(key)))
			}
			continue
		}
		p.flattenKnown(ctx, attrs, rule, v, fb)
	}
}

func (p *aiLogProcessor) flattenKnown(ctx context.Context, attrs pcommon.Map, rule keyRule, v pcommon.Value, fb *fallbacks) {
	row := rule.row
	// A row whose Attr is its Column only fills that column (never
	// overriding the top level); fillColumns does it.
	own := rule.flatten && row.Attr != row.Column
	switch row.Kind {
	case accesslog.AIString, accesslog.AIText:
		s := textOf(v)
		if s == "" || (row.Key == accesslog.AILogModel && s == accesslog.AILogUnknownModel) {
			return
		}
		if own {
			attrs.PutStr(row.Attr, s)
		}
		fb.addString(row.Column, s)
	case accesslog.AINumber:
		n, st := accesslog.NumberOf(v)
		switch st {
		case accesslog.NoNumber:
			return
		case accesslog.NotANumber:
			p.telemetry.ProcessorAilogNonNumericValues.Add(ctx, 1, rule.countOpt)
			if own {
				attrs.PutStr(row.Attr, textOf(v))
			}
			return
		}
		if own {
			n.Put(attrs.PutEmpty(row.Attr))
		}
		fb.addNumber(row.Column, n)
	case accesslog.AIObject:
		p.readObject(ctx, attrs, rule, v, fb)
	case accesslog.AIJSON:
		if own && !isEmptyValue(v) {
			v.CopyTo(attrs.PutEmpty(row.Attr))
		}
	}
}

// readObject reads input_token_details-like objects, which may also arrive
// JSON-encoded: the entries that fill columns (cached and reasoning tokens)
// always, and, unless include/exclude say otherwise, each entry as
// Attr.entry, numbers typed.
func (p *aiLogProcessor) readObject(ctx context.Context, attrs pcommon.Map, rule keyRule, v pcommon.Value, fb *fallbacks) {
	var obj pcommon.Map
	switch v.Type() {
	case pcommon.ValueTypeMap:
		obj = v.Map()
	case pcommon.ValueTypeStr:
		var ok bool
		if obj, ok = accesslog.ParseObject(v.Str(), false); !ok {
			if rule.flatten && v.Str() != "" {
				attrs.PutStr(rule.row.Attr, v.Str())
			}
			return
		}
	default:
		if rule.flatten && !isEmptyValue(v) {
			v.CopyTo(attrs.PutEmpty(rule.row.Attr))
		}
		return
	}
	for _, d := range rule.details {
		if e, ok := obj.Get(d.Entry); ok {
			if n, st := accesslog.NumberOf(e); st == accesslog.IsNumber {
				fb.addDetail(d.Column, n)
			}
		}
	}
	if !rule.flatten {
		return
	}
	for k, e := range obj.All() {
		name := rule.row.Attr + "." + k
		n, st := accesslog.NumberOf(e)
		switch st {
		case accesslog.IsNumber:
			n.Put(attrs.PutEmpty(name))
		case accesslog.NotANumber:
			p.telemetry.ProcessorAilogNonNumericValues.Add(ctx, 1, rule.countOpt)
			e.CopyTo(attrs.PutEmpty(name))
		}
	}
}

// textOf is the string form of a value: strings as they are, other types
// as their JSON text (a numeric jsonrpc_id becomes "7").
func textOf(v pcommon.Value) string {
	if v.Type() == pcommon.ValueTypeStr {
		return v.Str()
	}
	if v.Type() == pcommon.ValueTypeEmpty {
		return ""
	}
	return v.AsString()
}

// isEmptyValue: JSON null and "" are absent; they produce no attribute.
func isEmptyValue(v pcommon.Value) bool {
	switch v.Type() {
	case pcommon.ValueTypeEmpty:
		return true
	case pcommon.ValueTypeStr:
		return v.Str() == ""
	}
	return false
}

// truncatedMark ends a cut value, as ai-statistics marks its own long values.
const truncatedMark = "[truncated]"

// applyContent applies the content policy to ai_log itself, so that the kept
// ai_log column and the flat attributes agree, and dropped conversations are
// gone from the record, not just hidden from one backend.
func (p *aiLogProcessor) applyContent(ai pcommon.Map) {
	switch p.cfg.Content.Action {
	case ContentDrop:
		ai.RemoveIf(func(k string, _ pcommon.Value) bool { return p.content[k] })
	case ContentTruncate:
		for k, v := range ai.All() {
			if p.content[k] {
				truncateValue(v, p.cfg.Content.MaxBytes)
			}
		}
	}
}

// truncateValue cuts a value longer than max bytes. Objects and arrays
// (messages, tool_calls) are measured as JSON and, when cut, become the
// JSON text's prefix: no valid structure survives a cut anyway.
func truncateValue(v pcommon.Value, maxBytes int) {
	var s string
	switch v.Type() {
	case pcommon.ValueTypeEmpty:
		return
	case pcommon.ValueTypeStr:
		s = v.Str()
	default:
		s = v.AsString()
	}
	if len(s) <= maxBytes {
		return
	}
	v.SetStr(accesslog.CutUTF8(s, maxBytes) + truncatedMark)
}
