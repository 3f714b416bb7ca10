package ailogprocessor // import "github.com/otelcol-higress/otelcol-higress/processor/ailogprocessor"

import (
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
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
	v.SetStr(cutUTF8(s, maxBytes) + truncatedMark)
}

// cutUTF8 returns at most n bytes of s without splitting a character, so
// the value stays valid UTF-8 (MySQL's JSON type rejects anything else).
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
