package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

import (
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// fillRecord writes an entry's fields onto lr using the field table.
func fillRecord(lr plog.LogRecord, entry map[string]any, received pcommon.Timestamp) {
	attrs := lr.Attributes()
	attrs.EnsureCapacity(len(entry) + 1)
	lr.SetObservedTimestamp(received)
	lr.SetTimestamp(received)

	// Known fields in table order, then unknown ones sorted: the record
	// reads the same way every time.
	for i := range accesslog.Fields {
		f := &accesslog.Fields[i]
		val, present := entry[f.JSON]
		if !present || val == nil || f.Scope == accesslog.Resource {
			continue
		}
		putField(attrs, f, val)
		if f.Kind == accesslog.Time {
			if ts, ok := parseStartTime(val); ok {
				lr.SetTimestamp(ts)
			}
		}
	}
	for _, key := range unknownKeys(entry) {
		accesslog.PutJSON(attrs.PutEmpty(accesslog.AttrExtraPrefix+key), entry[key])
	}

	if tid, ok := parseTraceID(entry["trace_id"]); ok {
		lr.SetTraceID(tid)
	}
	code, hasCode := accesslog.ParseInt(entry["response_code"])
	lr.SetSeverityNumber(severityFor(code))
	lr.SetSeverityText(lr.SeverityNumber().String())
	lr.Body().SetStr(summary(entry, code, hasCode))
	attrs.PutStr(accesslog.AttrRecordUID, newRecordUID())
}

// putField stores one known field with the type the table gives it.
func putField(attrs pcommon.Map, f *accesslog.Field, val any) {
	switch f.Kind {
	case accesslog.Int:
		if n, ok := accesslog.ParseInt(val); ok {
			attrs.PutInt(f.Attr, n)
			return
		}
	case accesslog.Bool:
		if b, ok := parseBool(val); ok {
			attrs.PutBool(f.Attr, b)
			return
		}
	case accesslog.StringMap:
		if m, ok := asObject(val); ok {
			dst := attrs.PutEmptyMap(f.Attr)
			dst.EnsureCapacity(len(m))
			for k, v := range m {
				if v != nil {
					dst.PutStr(k, accesslog.Text(v))
				}
			}
			return
		}
	case accesslog.JSONObject:
		if m, ok := asObject(val); ok {
			accesslog.PutJSONMap(attrs.PutEmptyMap(f.Attr), m)
			return
		}
	}
	// String fields, and any value whose meaning is unclear for its kind,
	// are kept as text so that nothing the sender wrote is lost.
	attrs.PutStr(f.Attr, accesslog.Text(val))
}

// asObject accepts an object, or an object JSON-encoded in a string (once
// or quoted twice). JSON null and "null" become an empty object.
func asObject(val any) (map[string]any, bool) {
	switch x := val.(type) {
	case map[string]any:
		return x, true
	case string:
		m, ok := accesslog.DecodeObjectString(x)
		if ok && m == nil {
			m = map[string]any{}
		}
		return m, ok
	}
	return nil, false
}

func parseBool(val any) (bool, bool) {
	switch x := val.(type) {
	case bool:
		return x, true
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(x))
		return b, err == nil
	case json.Number:
		switch x.String() {
		case "0":
			return false, true
		case "1":
			return true, true
		}
	}
	return false, false
}

// parseTraceID accepts a 32-hex W3C id or a 16-hex B3 id (left-padded).
func parseTraceID(val any) (pcommon.TraceID, bool) {
	s, _ := val.(string)
	s = strings.TrimSpace(s)
	if len(s) != 16 && len(s) != 32 {
		return pcommon.TraceID{}, false
	}
	var tid pcommon.TraceID
	if _, err := hex.Decode(tid[16-len(s)/2:], []byte(s)); err != nil {
		return pcommon.TraceID{}, false
	}
	return tid, !tid.IsEmpty()
}

func severityFor(code int64) plog.SeverityNumber {
	switch {
	case code >= 500:
		return plog.SeverityNumberError
	case code >= 400:
		return plog.SeverityNumberWarn
	default:
		return plog.SeverityNumberInfo
	}
}

// summary is the human-readable body, e.g. "POST /v1/chat/completions 200".
// The query string is left out: it is in url.path and may carry secrets.
func summary(entry map[string]any, code int64, hasCode bool) string {
	method, _ := entry["method"].(string)
	path, _ := entry["path"].(string)
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	var b strings.Builder
	b.WriteString(method)
	if path != "" {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(path)
	}
	if hasCode {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatInt(code, 10))
	}
	return b.String()
}

// newRecordUID is fixed when the record is made and travels with it through
// queues and retries; time-ordered ids keep the exporter's unique index cheap.
func newRecordUID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// unknownKeys lists, sorted, the keys the field table does not know. They are
// kept under higress.extra.* because senders evolve.
func unknownKeys(entry map[string]any) []string {
	var keys []string
	for k := range entry {
		if _, known := accesslog.ByJSON(k); !known {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
