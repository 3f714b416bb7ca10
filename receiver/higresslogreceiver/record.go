package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

import (
	"encoding/hex"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/xpdata"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
	"github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver/internal/metadata"
)

// valueKind says how a top-level value was sent.
type valueKind uint8

const (
	absent valueKind = iota
	null
	str   // a JSON string: s
	num   // a JSON number: s is its text
	other // true/false, an array, or an object that is not decoded into pdata: v (accesslog.Reader.Any)
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

// text is the value as sent: strings and numbers as their text, anything
// else as JSON.
func (v *value) text() string {
	if v.kind == str || v.kind == num {
		return v.s
	}
	return accesslog.Text(v.v)
}

// number reads a JSON number or a numeric string.
func (v *value) number() (accesslog.Number, bool) {
	if v.kind == str || v.kind == num {
		return accesslog.ParseNumber(v.s)
	}
	return accesslog.Number{}, false
}

// integer is number when it is integral.
func (v *value) integer() (int64, bool) {
	n, ok := v.number()
	if !ok {
		return 0, false
	}
	return n.Integer()
}

// boolean reads true/false, their strings and the numbers 0 and 1.
func (v *value) boolean() (bool, bool) {
	switch v.kind {
	case other:
		b, ok := v.v.(bool)
		return b, ok
	case str:
		b, err := strconv.ParseBool(strings.TrimSpace(v.s))
		return b, err == nil
	case num:
		return v.s == "1", v.s == "0" || v.s == "1"
	}
	return false, false
}

// entry is one decoded access-log object: known fields by their index in
// accesslog.Fields, unknown top-level keys by name (raw pdata values). For
// duplicate keys the last one wins, as with encoding/json.
type entry struct {
	known []value
	extra map[string]any
}

func newEntry() entry { return entry{known: make([]value, len(accesslog.Fields))} }

// reset empties e for the next entry of a body. extra is dropped rather
// than cleared: a map a finished entry was given stays as it was.
func (e *entry) reset() {
	clear(e.known)
	e.extra = nil
}

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

// buildLogs decodes a body into records grouped by gateway instance
// (instance_id → service.instance.id), one resource per instance.
func buildLogs(body []byte, received arrival, serviceName string, maxExtra int) (plog.Logs, report, error) {
	ld := plog.NewLogs()
	scopes := map[string]plog.LogRecordSlice{}
	now := pcommon.NewTimestampFromTime(received.at)
	i := 0
	rep, err := decodeBody(body, maxExtra, func(entry *entry) {
		var instance string
		if v := &entry.known[idxInstanceID]; v.kind > null {
			instance = v.text()
		}
		records, ok := scopes[instance]
		if !ok {
			records = newResource(ld, serviceName, instance)
			scopes[instance] = records
		}
		fillRecord(records.AppendEmpty(), entry, now, received.uidFor(i, entry, instance))
		i++
	})
	if err != nil {
		return plog.Logs{}, report{}, err
	}
	return ld, rep, nil
}

func newResource(ld plog.Logs, serviceName, instance string) plog.LogRecordSlice {
	rl := ld.ResourceLogs().AppendEmpty()
	attrs := rl.Resource().Attributes()
	attrs.PutStr(accesslog.AttrServiceName, serviceName)
	if instance != "" {
		attrs.PutStr(accesslog.AttrInstanceID, instance)
	}
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(metadata.ScopeName)
	return sl.LogRecords()
}

// fillRecord writes an entry's fields onto lr using the field table.
//
// Every key is put once (the fields' attributes are distinct and none is
// the uid's or starts with the extras' prefix: TestRecordKeysAreDistinct),
// so the map is built with xpdata.MapBuilder, without the scan of the map
// for a repeated key that each pcommon.Map.Put makes.
func fillRecord(lr plog.LogRecord, e *entry, received pcommon.Timestamp, uid string) {
	var attrs xpdata.MapBuilder
	attrs.EnsureCapacity(len(e.extra) + e.recordFields() + 1)
	lr.SetObservedTimestamp(received)
	lr.SetTimestamp(received)
	putExtras(&attrs, e.extra)

	// Known fields in table order: the record reads the same way every time.
	for i := range accesslog.Fields {
		f := &accesslog.Fields[i]
		v := &e.known[i]
		if v.kind <= null || f.Scope == accesslog.Resource {
			continue
		}
		if f.Kind == accesslog.Time {
			if ts, ok := parseStartTime(v); ok {
				lr.SetTimestamp(ts)
			}
		}
		putField(&attrs, f, v)
	}
	if tid, ok := parseTraceID(e.known[idxTraceID]); ok {
		lr.SetTraceID(tid)
	}
	code, hasCode := e.known[idxResponseCode].integer()
	lr.SetSeverityNumber(severityFor(code))
	lr.SetSeverityText(lr.SeverityNumber().String())
	lr.Body().SetStr(summary(e, code, hasCode))
	attrs.AppendEmpty(accesslog.AttrRecordUID).SetStr(uid)
	attrs.UnsafeIntoMap(lr.Attributes())
}

// recordFields is how many known fields fillRecord puts on the record.
func (e *entry) recordFields() int {
	n := 0
	for i := range e.known {
		if e.known[i].kind > null && accesslog.Fields[i].Scope != accesslog.Resource {
			n++
		}
	}
	return n
}

// putField stores one known field with the type the table gives it. A
// value whose meaning is unclear for its kind is kept as text, so that
// nothing the sender wrote is lost.
func putField(attrs *xpdata.MapBuilder, f *accesslog.Field, v *value) {
	switch {
	case v.kind == pmap:
		v.m.MoveTo(attrs.AppendEmpty(f.Attr).SetEmptyMap())
		return
	case v.kind == str && (f.Kind == accesslog.String || f.Kind == accesslog.Time):
		attrs.AppendEmpty(f.Attr).SetStr(v.s)
		return
	}
	switch f.Kind {
	case accesslog.Int:
		if n, ok := v.integer(); ok {
			attrs.AppendEmpty(f.Attr).SetInt(n)
			return
		}
	case accesslog.Float:
		if n, ok := v.number(); ok {
			attrs.AppendEmpty(f.Attr).SetDouble(n.AsFloat())
			return
		}
	case accesslog.Bool:
		if b, ok := v.boolean(); ok {
			attrs.AppendEmpty(f.Attr).SetBool(b)
			return
		}
	case accesslog.StringMap, accesslog.JSONObject:
		// An object JSON-encoded in a string (once or quoted twice).
		if v.kind != str {
			break
		}
		if m, ok := accesslog.ParseObject(v.s, f.Kind == accesslog.StringMap); ok {
			m.MoveTo(attrs.AppendEmpty(f.Attr).SetEmptyMap())
			return
		}
	}
	attrs.AppendEmpty(f.Attr).SetStr(v.text())
}

// parseStartTime reads start_time sent as text or a number
// (accesslog.ParseTime).
func parseStartTime(v *value) (pcommon.Timestamp, bool) {
	if v.kind != str && v.kind != num {
		return 0, false
	}
	t, ok := accesslog.ParseTime(v.s)
	return pcommon.NewTimestampFromTime(t), ok
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
// senders evolve. Their keys are distinct (keys of a Go map), so the cost
// grows with their number, not its square.
func putExtras(attrs *xpdata.MapBuilder, extra map[string]any) {
	for k, v := range extra {
		_ = attrs.AppendEmpty(accesslog.AttrExtraPrefix + k).FromRaw(v) // Reader.Any only makes types FromRaw takes
	}
}
