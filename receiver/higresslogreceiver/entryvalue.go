package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

import (
	"encoding/json"

	"go.opentelemetry.io/collector/pdata/pcommon"

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
// without boxing them into interfaces: an entry has about 40 of them and
// the per-value allocations were a large part of the receiver's cost.
type value struct {
	kind valueKind
	s    string
	v    any
	m    pcommon.Map
}

// any returns the value as encoding/json (UseNumber) would have decoded it.
// It is not defined for pmap values.
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
// accesslog.Fields, unknown top-level keys by name. For duplicate keys the
// last one wins, as with encoding/json.
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

// entryFromMap converts what the standard decoder produced.
func entryFromMap(m map[string]any) entry {
	e := newEntry()
	for k, v := range m {
		i, known := accesslog.IndexOf(k)
		if !known {
			e.putExtra(k, v)
			continue
		}
		switch x := v.(type) {
		case nil:
			e.known[i] = value{kind: null}
		case string:
			e.known[i] = value{kind: str, s: x}
		case json.Number:
			e.known[i] = value{kind: num, s: string(x)}
		default:
			e.known[i] = value{kind: other, v: x}
		}
	}
	return e
}

// Indexes of the fields the receiver reads itself.
var (
	idxInstanceID   = accesslog.MustIndexOf("instance_id")
	idxTraceID      = accesslog.MustIndexOf("trace_id")
	idxResponseCode = accesslog.MustIndexOf("response_code")
	idxMethod       = accesslog.MustIndexOf("method")
	idxPath         = accesslog.MustIndexOf("path")
)
