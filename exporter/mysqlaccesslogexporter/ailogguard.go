package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// maxAILogNesting is the deepest ai_log (in nested objects and arrays,
// ai_log itself being 1) every supported server stores: MariaDB's JSON
// column is CHECK(json_valid(...)), and json_valid is false from 32 nested
// containers on (JSON_DEPTH 33; error 4025 for the whole row). MySQL 8
// allows 100. One limit for both keeps a row's ai_log independent of the
// server it lands on. A deeper ai_log is written as NULL (an unusable
// ai_log is NULL, the row still counts) and kept whole in the dead-letter
// table.
const maxAILogNesting = 31

var tooDeepReason = "ai_log nested deeper than " + strconv.Itoa(maxAILogNesting) + " levels (MariaDB's JSON limit)"

// tooDeep reports whether v, at depth, nests more containers than
// maxAILogNesting. It stops as soon as the limit is passed, so a hostile
// 200 000-deep value costs no more than a legal one.
func tooDeep(v pcommon.Value, depth int) bool {
	switch v.Type() {
	case pcommon.ValueTypeMap:
		if depth > maxAILogNesting {
			return true
		}
		for _, x := range v.Map().All() {
			if tooDeep(x, depth+1) {
				return true
			}
		}
	case pcommon.ValueTypeSlice:
		if depth > maxAILogNesting {
			return true
		}
		s := v.Slice()
		for i := range s.Len() {
			if tooDeep(s.At(i), depth+1) {
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
// database refused r: an unusable ai_log is stored as NULL rather than
// losing the row to the dashboard. ok is false when r has no ai_log to
// drop (the refusal was about something else).
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
	out.text += valueText(out.values[i]) - valueText(r.values[i])
	out.aiLogDropped = "refused by the database: " + cause.Error()
	out.aiLogRetried = true
	return out, true
}
