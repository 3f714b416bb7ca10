package ailogprocessor // import "github.com/otelcol-higress/otelcol-higress/processor/ailogprocessor"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

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
