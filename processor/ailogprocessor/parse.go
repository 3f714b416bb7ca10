package ailogprocessor // import "github.com/otelcol-higress/otelcol-higress/processor/ailogprocessor"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// aiLogMap returns ai_log as a map, whatever encoding it came in:
//   - a map: the higresslog receiver already parsed it (the usual case);
//   - a string holding a JSON object, encoded once or quoted twice: older
//     senders, or other receivers (OTLP) that did not parse it. The string is
//     replaced in place by the parsed map, values as sent, so that every
//     later component sees one shape;
//   - the string "null": becomes an empty map, as the receiver does;
//   - anything else (invalid JSON, a number …) is left untouched: ok=false.
func aiLogMap(v pcommon.Value) (pcommon.Map, bool) {
	switch v.Type() {
	case pcommon.ValueTypeMap:
		return v.Map(), true
	case pcommon.ValueTypeStr:
		obj, ok := accesslog.DecodeObjectString(v.Str())
		if !ok {
			return pcommon.Map{}, false
		}
		m := v.SetEmptyMap()
		accesslog.PutJSONMap(m, obj)
		return m, true
	}
	return pcommon.Map{}, false
}
