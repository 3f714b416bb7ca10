package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// maxAILogNesting is the deepest ai_log (in nested objects and arrays,
// ai_log itself being 1) every supported server stores: MariaDB's JSON
// column is CHECK(json_valid(...)), and json_valid is false from 32 nested
// containers on (JSON_DEPTH 33; error 4025 for the whole row). MySQL 8
// allows 100. One limit for both keeps a row's ai_log independent of the
// server it lands on. Deeper ai_logs are written as NULL (CONTRACT §3: an
// unusable ai_log is NULL) and kept whole in the dead-letter table.
const maxAILogNesting = 31

// aiLogTooDeep reports whether v nests more containers than
// maxAILogNesting. It stops as soon as the limit is passed, so a hostile
// 200 000-deep value costs no more than a legal one.
func aiLogTooDeep(v pcommon.Value) bool {
	if v.Type() == pcommon.ValueTypeStr {
		// The receiver keeps ai_log as text only when it did not parse as
		// an object; aiLogJSON parses it again.
		m, ok := accesslog.DecodeObjectString(v.Str())
		return ok && rawTooDeep(m, 1)
	}
	return valueTooDeep(v, 1)
}

func valueTooDeep(v pcommon.Value, depth int) bool {
	switch v.Type() {
	case pcommon.ValueTypeMap:
		if depth > maxAILogNesting {
			return true
		}
		deep := false
		v.Map().Range(func(_ string, x pcommon.Value) bool {
			deep = valueTooDeep(x, depth+1)
			return !deep
		})
		return deep
	case pcommon.ValueTypeSlice:
		if depth > maxAILogNesting {
			return true
		}
		s := v.Slice()
		for i := range s.Len() {
			if valueTooDeep(s.At(i), depth+1) {
				return true
			}
		}
	}
	return false
}

func rawTooDeep(v any, depth int) bool {
	switch x := v.(type) {
	case map[string]any:
		if depth > maxAILogNesting {
			return true
		}
		for _, e := range x {
			if rawTooDeep(e, depth+1) {
				return true
			}
		}
	case []any:
		if depth > maxAILogNesting {
			return true
		}
		for _, e := range x {
			if rawTooDeep(e, depth+1) {
				return true
			}
		}
	}
	return false
}

// aiLogColumn is the index of the ai_log column among cols, or -1.
func aiLogColumn(cols []column) int {
	for i := range cols {
		if cols[i].field.Kind == accesslog.JSONObject {
			return i
		}
	}
	return -1
}

// withoutAILog is r with ai_log NULL, for a second attempt after the
// database refused r: CONTRACT §3 stores an unusable ai_log as NULL rather
// than losing the row to the dashboard. ok is false when r has no ai_log
// to drop (the refusal was about something else).
func withoutAILog(cols []column, r *row, cause error) (row, bool) {
	i := aiLogColumn(cols)
	if i < 0 || r.values[i] == nil || r.aiLogDropped != "" {
		return row{}, false
	}
	out := *r
	out.values = append([]any(nil), r.values...)
	out.values[i] = nil
	if !cols[i].nullable {
		out.values[i] = zeroFor(&cols[i])
	}
	out.size += valueSize(out.values[i]) - valueSize(r.values[i])
	out.aiLogDropped = "refused by the database: " + cause.Error()
	out.aiLogRetried = true
	return out, true
}
