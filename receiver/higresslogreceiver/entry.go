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
func fillRecord(lr plog.LogRecord, e *entry, received pcommon.Timestamp) {
	attrs := lr.Attributes()
	attrs.EnsureCapacity(len(accesslog.Fields) + len(e.extra) + 1)
	lr.SetObservedTimestamp(received)
	lr.SetTimestamp(received)

	// Known fields in table order, then unknown ones sorted: the record
	// reads the same way every time.
	for i := range accesslog.Fields {
		f := &accesslog.Fields[i]
		v := &e.known[i]
		if v.kind <= null || f.Scope == accesslog.Resource {
			continue
		}
		if f.Kind == accesslog.Time {
			if ts, ok := parseStartTime(v.any()); ok {
				lr.SetTimestamp(ts)
			}
		}
		putField(attrs, f, v)
	}
	for _, key := range sortedKeys(e.extra) {
		accesslog.PutJSON(attrs.PutEmpty(accesslog.AttrExtraPrefix+key), e.extra[key])
	}

	if tid, ok := parseTraceID(e.known[idxTraceID]); ok {
		lr.SetTraceID(tid)
	}
	code, hasCode := accesslog.ParseInt(e.known[idxResponseCode].any())
	lr.SetSeverityNumber(severityFor(code))
	lr.SetSeverityText(lr.SeverityNumber().String())
	lr.Body().SetStr(summary(e, code, hasCode))
	attrs.PutStr(accesslog.AttrRecordUID, newRecordUID())
}

// putField stores one known field with the type the table gives it.
func putField(attrs pcommon.Map, f *accesslog.Field, v *value) {
	// The common cases first, without going through interfaces.
	switch {
	case v.kind == pmap:
		v.m.MoveTo(attrs.PutEmptyMap(f.Attr))
		return
	case v.kind == str && (f.Kind == accesslog.String || f.Kind == accesslog.Time):
		attrs.PutStr(f.Attr, v.s)
		return
	case v.kind == num && f.Kind == accesslog.Int:
		if n, err := strconv.ParseInt(v.s, 10, 64); err == nil {
			attrs.PutInt(f.Attr, n)
			return
		}
	}
	val := v.any()
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
			putStringMap(attrs.PutEmptyMap(f.Attr), m)
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

// putStringMap stores headers: every non-null value as text.
func putStringMap(dst pcommon.Map, m map[string]any) {
	dst.EnsureCapacity(len(m))
	for k, v := range m {
		if v != nil {
			dst.PutStr(k, accesslog.Text(v))
		}
	}
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
func parseTraceID(v value) (pcommon.TraceID, bool) {
	if v.kind != str {
		return pcommon.TraceID{}, false
	}
	s := strings.TrimSpace(v.s)
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
func summary(e *entry, code int64, hasCode bool) string {
	method, path := stringValue(e.known[idxMethod]), stringValue(e.known[idxPath])
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

// stringValue is the value when it was sent as a JSON string, else "".
func stringValue(v value) string {
	if v.kind == str {
		return v.s
	}
	return ""
}

// sortedKeys lists the unknown keys in order. They are kept under
// higress.extra.* because senders evolve.
func sortedKeys(extra map[string]any) []string {
	if len(extra) == 0 {
		return nil
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
