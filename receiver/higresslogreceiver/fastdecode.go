package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

import (
	"bytes"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// fastSplit decodes the common bodies — one object, or an array — straight
// into entries: strings and numbers as slices of one copy of the body,
// ai_log and the headers straight into pdata maps. Decoding into
// map[string]any first and converting was most of the receiver's cost
// (BENCHMARKS.md). ok is false when the body is anything else or anything
// unusual, and the standard path (exact error positions, NDJSON,
// resynchronisation) takes over: the fast path only ever accepts valid JSON
// and produces what the standard path would (FuzzFastDecode).
func fastSplit(body []byte, start int) (entries []entry, problems []entryError, ok bool) {
	b := body[start:]
	if b[0] != '{' && b[0] != '[' {
		return nil, nil, false
	}
	// The standard decoder turns invalid UTF-8 and lone surrogate escapes
	// into U+FFFD; leave both to it so records always hold valid UTF-8.
	if !utf8.Valid(b) || bytes.Contains(b, []byte(`\ud`)) || bytes.Contains(b, []byte(`\uD`)) {
		return nil, nil, false
	}
	p := validJSON{s: string(b)}
	if p.s[0] == '{' {
		e := newEntry()
		p.entry(&e)
		entries = []entry{e}
	} else {
		index := 0
		p.elements(func() {
			if p.peek() == '{' {
				e := newEntry()
				p.entry(&e)
				entries = append(entries, e)
			} else {
				problems = append(problems, notObjectInArray(index, p.anyValue()))
			}
			index++
		})
	}
	// Anything after the value (NDJSON, concatenated objects, garbage) is
	// the standard path's to read or report.
	if p.space(); p.bad || p.i != len(p.s) {
		return nil, nil, false
	}
	return entries, problems, true
}

// entry reads one object into e.
func (p *validJSON) entry(e *entry) {
	p.members(func(key string) {
		if i, known := accesslog.IndexOf(key); known {
			p.field(&e.known[i], &accesslog.Fields[i])
		} else {
			e.putExtra(key, p.anyValue())
		}
	})
}

// field reads a known field's value, objects of the map-typed fields
// straight into pdata.
func (p *validJSON) field(v *value, f *accesslog.Field) {
	switch c := p.peek(); {
	case c == '"':
		*v = value{kind: str, s: p.str()}
	case c == 'n':
		p.literal("null")
		*v = value{kind: null}
	case c == '{' && f.Kind == accesslog.JSONObject:
		m := pcommon.NewMap()
		p.objectInto(m)
		*v = value{kind: pmap, m: m}
	case c == '{' && f.Kind == accesslog.StringMap:
		m := pcommon.NewMap()
		p.stringMapInto(m)
		*v = value{kind: pmap, m: m}
	case c == '{' || c == '[' || c == 't' || c == 'f':
		*v = value{kind: other, v: p.anyValue()}
	default:
		*v = value{kind: num, s: p.number()}
	}
}
