package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

import (
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// valueKind says how a top-level value was sent.
type valueKind uint8

const (
	absent valueKind = iota
	null
	str   // a JSON string: s
	num   // a JSON number: s is its text
	other // true/false, an array, or an object that is not decoded into pdata: v
	pmap  // an object decoded straight into pdata (ai_log, headers): m
)

// value is one top-level value of an entry. Strings and numbers are kept
// without boxing them into interfaces: an entry has about 40 of them.
type value struct {
	kind valueKind
	s    string
	v    any
	m    pcommon.Map
}

// any returns the value as encoding/json (UseNumber) would have decoded
// it, for the accesslog helpers. It is not defined for pmap values.
func (v *value) any() any {
	switch v.kind {
	case str:
		return v.s
	case num:
		return json.Number(v.s)
	case other:
		return v.v
	}
	return nil
}

// entry is one decoded access-log object: known fields by their index in
// accesslog.Fields, unknown top-level keys by name (raw pdata values). For
// duplicate keys the last one wins, as with encoding/json.
type entry struct {
	known []value
	extra map[string]any
}

func newEntry() entry { return entry{known: make([]value, len(accesslog.Fields))} }

func (e *entry) putExtra(key string, v any) {
	if e.extra == nil {
		e.extra = map[string]any{}
	}
	e.extra[key] = v
}

// Indexes of the fields the receiver reads itself.
var (
	idxInstanceID   = accesslog.IndexOfAttr(accesslog.AttrInstanceID)
	idxTraceID      = accesslog.IndexOfAttr(accesslog.AttrTraceID)
	idxResponseCode = accesslog.IndexOfAttr(accesslog.AttrResponseCode)
	idxMethod       = accesslog.IndexOfAttr(accesslog.AttrMethod)
	idxPath         = accesslog.IndexOfAttr(accesslog.AttrPath)
)

// fillRecord writes an entry's fields onto lr using the field table.
func fillRecord(lr plog.LogRecord, e *entry, received pcommon.Timestamp, uid string) {
	attrs := lr.Attributes()
	lr.SetObservedTimestamp(received)
	lr.SetTimestamp(received)
	putExtras(attrs, e.extra)
	attrs.EnsureCapacity(attrs.Len() + len(accesslog.Fields) + 1)

	// Known fields in table order: the record reads the same way every time.
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
	if tid, ok := parseTraceID(e.known[idxTraceID]); ok {
		lr.SetTraceID(tid)
	}
	code, hasCode := accesslog.ParseInt(e.known[idxResponseCode].any())
	lr.SetSeverityNumber(severityFor(code))
	lr.SetSeverityText(lr.SeverityNumber().String())
	lr.Body().SetStr(summary(e, code, hasCode))
	attrs.PutStr(accesslog.AttrRecordUID, uid)
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

// stringValue is the value when it was sent as a JSON string, else "".
func stringValue(v value) string {
	if v.kind == str {
		return v.s
	}
	return ""
}

// putExtras keeps the unknown fields under higress.extra.*, because
// senders evolve. They are put first and in one go (Map.FromRaw): putting
// them one by one would scan the map for a repeated key each time, a cost
// that grows with the square of their number.
func putExtras(attrs pcommon.Map, extra map[string]any) {
	if len(extra) == 0 {
		return
	}
	raw := make(map[string]any, len(extra))
	for k, v := range extra {
		raw[accesslog.AttrExtraPrefix+k] = v
	}
	_ = attrs.FromRaw(raw) // anyValue only makes types FromRaw takes
}
