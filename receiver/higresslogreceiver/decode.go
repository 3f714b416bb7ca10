package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// Reasons an entry is rejected; they label the rejected-entries metric.
const (
	reasonInvalidJSON = "invalid_json"
	reasonNotObject   = "not_object"
	reasonEmpty       = "empty"
	reasonTooLarge    = "too_large"
)

// entryError says what is wrong with one entry of a body and where.
type entryError struct {
	Index  int    `json:"index"`
	Offset int64  `json:"offset"`
	Reason string `json:"reason"`
	Error  string `json:"error"`
}

// bodyError is a body that cannot be split into entries at all.
type bodyError struct {
	reason string
	msg    string
}

func (e *bodyError) Error() string { return e.msg }

// report is what a body held besides its entries.
type report struct {
	// problems are the entries that did not become records.
	problems []entryError
	// extraCut counts unknown fields dropped because their entry already
	// had maxExtra of them.
	extraCut int
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// decodeBody reads a request body in one pass of one strict decoder
// (jsontext: exact byte offsets in errors, concatenated values native,
// invalid UTF-8 and lone surrogates replaced by U+FFFD, as encoding/json
// does): one object (today's db-log-pusher), a JSON array of objects, or
// NDJSON / concatenated objects. Array elements and NDJSON lines that are
// not objects, or lines that are not JSON, are reported and skipped so
// that the rest still lands. A body that is not JSON at all, or an array
// that does not parse, is a bodyError: nothing in it can be trusted.
// maxExtra bounds the unknown fields kept per entry.
func decodeBody(body []byte, maxExtra int) ([]entry, report, error) {
	body = bytes.TrimPrefix(body, utf8BOM)
	start := skipSpace(body, 0)
	if start == len(body) {
		return nil, report{}, &bodyError{reason: reasonEmpty, msg: "empty body: expected a JSON object, an array of objects or NDJSON"}
	}
	d := decoder{body: body, text: string(body), maxExtra: maxExtra}
	var err error
	if body[start] == '[' {
		err = d.array(start)
	} else {
		err = d.stream(start)
	}
	if err != nil {
		return nil, report{}, err
	}
	return d.entries, d.rep, nil
}

// decoder holds the state of one body.
type decoder struct {
	body []byte
	// text is body as one string: a string or number without escapes is
	// a substring of it rather than a copy of its own.
	text     string
	base     int // offset in body where dec started reading
	dec      *jsontext.Decoder
	maxExtra int
	entries  []entry
	rep      report
}

func (d *decoder) startAt(pos int) {
	d.base = pos
	d.dec = jsontext.NewDecoder(bytes.NewBuffer(d.body[pos:]),
		jsontext.AllowDuplicateNames(true), // the last one wins, as in encoding/json
		jsontext.AllowInvalidUTF8(true))
}

// offset is the position in body of the decoder's next byte.
func (d *decoder) offset() int64 { return int64(d.base) + d.dec.InputOffset() }

func (d *decoder) array(start int) error {
	d.startAt(start)
	err := d.arrayElements()
	if err == nil {
		if _, err = d.dec.ReadToken(); err == io.EOF {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("unexpected data after the array at byte %d", d.offset())
		}
	}
	return &bodyError{reason: reasonInvalidJSON, msg: "invalid JSON array: " + d.describe(err)}
}

func (d *decoder) arrayElements() error {
	if _, err := d.dec.ReadToken(); err != nil {
		return err
	}
	for index := 0; ; index++ {
		switch d.dec.PeekKind() {
		case ']':
			_, err := d.dec.ReadToken()
			return err
		case '{':
			if err := d.entry(); err != nil {
				return err
			}
		default:
			v, err := d.dec.ReadValue()
			if err != nil {
				return err
			}
			d.rep.problems = append(d.rep.problems, entryError{Index: index, Reason: reasonNotObject,
				Error: fmt.Sprintf("array element %d is %s, not an object", index, kindName(v.Kind()))})
		}
	}
}

// stream reads concatenated values. After a syntax error it resumes at the
// next line that opens an object, which is exactly NDJSON's unit of framing.
func (d *decoder) stream(pos int) error {
	d.startAt(pos)
	for index := 0; ; index++ {
		at := d.offset()
		var err error
		switch kind := d.dec.PeekKind(); kind {
		case '{':
			err = d.entry()
		case jsontext.KindInvalid:
			if _, err = d.dec.ReadToken(); err == io.EOF {
				return d.notJSON()
			}
		default:
			if _, err = d.dec.ReadValue(); err == nil {
				d.rep.problems = append(d.rep.problems, entryError{Index: index, Offset: at, Reason: reasonNotObject,
					Error: fmt.Sprintf("entry %d is %s, not an object", index, kindName(kind))})
			}
		}
		if err == nil {
			continue
		}
		d.rep.problems = append(d.rep.problems, entryError{Index: index, Offset: at, Reason: reasonInvalidJSON, Error: d.describe(err)})
		next := nextObjectLine(d.body, skipSpace(d.body, int(at)))
		if next < 0 {
			return d.notJSON()
		}
		d.startAt(next)
	}
}

// notJSON turns a stream of nothing but syntax errors into a bodyError:
// such a body is not JSON at all, rather than JSON with unusable entries.
func (d *decoder) notJSON() error {
	if len(d.entries) > 0 || len(d.rep.problems) == 0 {
		return nil
	}
	for _, p := range d.rep.problems {
		if p.Reason != reasonInvalidJSON {
			return nil
		}
	}
	return &bodyError{reason: reasonInvalidJSON, msg: "body is not JSON: " + d.rep.problems[0].Error}
}

// entry reads one object into a new entry.
func (d *decoder) entry() error {
	e := newEntry()
	if _, err := d.dec.ReadToken(); err != nil {
		return err
	}
	for d.dec.PeekKind() != '}' {
		key, err := d.scalarText()
		if err != nil {
			return err
		}
		if i, known := accesslog.IndexOf(key); known {
			err = d.field(&e.known[i], &accesslog.Fields[i])
		} else {
			err = d.extra(&e, key)
		}
		if err != nil {
			return err
		}
	}
	if _, err := d.dec.ReadToken(); err != nil {
		return err
	}
	d.entries = append(d.entries, e)
	return nil
}

// field reads a known field's value; the objects of the map-typed fields
// go straight into pdata.
func (d *decoder) field(v *value, f *accesslog.Field) error {
	switch kind := d.dec.PeekKind(); {
	case kind == '"' || kind == '0':
		s, err := d.scalarText()
		*v = value{kind: str, s: s}
		if kind == '0' {
			v.kind = num
		}
		return err
	case kind == 'n':
		_, err := d.dec.ReadToken()
		*v = value{kind: null}
		return err
	case kind == '{' && (f.Kind == accesslog.JSONObject || f.Kind == accesslog.StringMap):
		m := pcommon.NewMap()
		*v = value{kind: pmap, m: m}
		return d.objectInto(m, f.Kind == accesslog.StringMap)
	}
	x, err := d.anyValue()
	*v = value{kind: other, v: x}
	return err
}

// extra keeps an unknown field, up to maxExtra distinct ones per entry;
// the rest are skipped and counted.
func (d *decoder) extra(e *entry, key string) error {
	if _, kept := e.extra[key]; !kept && len(e.extra) >= d.maxExtra {
		d.rep.extraCut++
		return d.dec.SkipValue()
	}
	x, err := d.anyValue()
	e.putExtra(key, x)
	return err
}

// anyValue reads a value as a raw pdata value (pcommon.Value.FromRaw):
// integers as int64, other numbers as float64 or, beyond float64, as
// their text.
func (d *decoder) anyValue() (any, error) {
	switch d.dec.PeekKind() {
	case '{':
		m := map[string]any{}
		err := d.members(func(key string) error {
			x, err := d.anyValue()
			m[key] = x
			return err
		})
		return m, err
	case '[':
		a := []any{}
		err := d.elements(func() error {
			x, err := d.anyValue()
			a = append(a, x)
			return err
		})
		return a, err
	}
	tok, err := d.dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case 'n':
		return nil, nil
	case 't', 'f':
		return tok.Bool(), nil
	case '0':
		return accesslog.NumberValue(json.Number(tok.String())), nil
	}
	return tok.String(), nil
}

// valueInto reads a value into dst with the types anyValue gives.
func (d *decoder) valueInto(dst pcommon.Value) error {
	switch d.dec.PeekKind() {
	case '{':
		return d.objectInto(dst.SetEmptyMap(), false)
	case '[':
		s := dst.SetEmptySlice()
		return d.elements(func() error { return d.valueInto(s.AppendEmpty()) })
	case '"':
		s, err := d.scalarText()
		dst.SetStr(s)
		return err
	}
	tok, err := d.dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case 't', 'f':
		dst.SetBool(tok.Bool())
	case '"':
		dst.SetStr(tok.String())
	case '0':
		switch n := accesslog.NumberValue(json.Number(tok.String())).(type) {
		case int64:
			dst.SetInt(n)
		case float64:
			dst.SetDouble(n)
		default:
			dst.SetStr(tok.String())
		}
	}
	// JSON null leaves dst empty.
	return nil
}

// scalarText reads a string (its unescaped value; also a member name) or
// a number (its text). Without escapes or invalid UTF-8 that is a
// substring of the body rather than a copy per value: it saves about a
// fifth of the receiver's decoding and 9-15 % of the collector's CPU per
// row with array POSTs (BENCHMARKS.md).
func (d *decoder) scalarText() (string, error) {
	v, err := d.dec.ReadValue()
	if err != nil {
		return "", err
	}
	end := int(d.offset())
	if v[0] != '"' {
		return d.text[end-len(v) : end], nil
	}
	if bytes.IndexByte(v, '\\') < 0 && utf8.Valid(v) {
		return d.text[end-len(v)+1 : end-1], nil
	}
	// The decoder has checked the string; AppendUnquote only reports the
	// invalid UTF-8 it replaces, as the decoder's options allow.
	b, _ := jsontext.AppendUnquote(nil, v)
	return string(b), nil
}

// smallMap is how many members an object is read into pdata one by one.
// Map.PutEmpty scans the map for a repeated key, so a bigger object is
// gathered in a Go map and the pdata map built from it once: an object
// costs time linear in its size, however many members it has.
const smallMap = 64

// objectInto reads an object into m, a repeated key replacing the earlier
// value. headers: every value is kept as its text, null removes the key.
func (d *decoder) objectInto(m pcommon.Map, headers bool) error {
	var big map[string]any
	err := d.members(func(key string) error {
		if big == nil && m.Len() < smallMap {
			if headers {
				return d.headerInto(m, key)
			}
			return d.valueInto(m.PutEmpty(key))
		}
		if big == nil {
			big = m.AsRaw()
		}
		x, err := d.anyValue()
		switch {
		case !headers:
			big[key] = x
		case x == nil:
			delete(big, key)
		default:
			big[key] = accesslog.Text(x)
		}
		return err
	})
	if err != nil || big == nil {
		return err
	}
	return m.FromRaw(big)
}

// headerInto reads one header value as text; null removes the header.
func (d *decoder) headerInto(m pcommon.Map, key string) error {
	switch d.dec.PeekKind() {
	case '"', '0':
		s, err := d.scalarText()
		if err == nil {
			m.PutStr(key, s)
		}
		return err
	case 'n':
		_, err := d.dec.ReadToken()
		m.Remove(key)
		return err
	}
	x, err := d.anyValue()
	m.PutStr(key, accesslog.Text(x))
	return err
}

// members calls read for each member of the object at the decoder, with
// the decoder at the member's value; read must consume the value.
func (d *decoder) members(read func(key string) error) error {
	if _, err := d.dec.ReadToken(); err != nil {
		return err
	}
	for d.dec.PeekKind() != '}' {
		key, err := d.scalarText()
		if err != nil {
			return err
		}
		if err := read(key); err != nil {
			return err
		}
	}
	_, err := d.dec.ReadToken()
	return err
}

// elements calls read for each element of the array at the decoder.
func (d *decoder) elements(read func() error) error {
	if _, err := d.dec.ReadToken(); err != nil {
		return err
	}
	for d.dec.PeekKind() != ']' {
		if err := read(); err != nil {
			return err
		}
	}
	_, err := d.dec.ReadToken()
	return err
}

// describe turns a decoder error into "line L, column C (byte N): msg".
func (d *decoder) describe(err error) string {
	var syn *jsontext.SyntacticError
	if !errors.As(err, &syn) {
		return err.Error()
	}
	at := min(d.base+int(syn.ByteOffset), len(d.body))
	line := 1 + bytes.Count(d.body[:at], []byte{'\n'})
	col := at - bytes.LastIndexByte(d.body[:at], '\n')
	msg := syn.Err.Error()
	if syn.JSONPointer != "" {
		msg += " within " + string(syn.JSONPointer)
	}
	return fmt.Sprintf("line %d, column %d (byte %d): %s", line, col, at, msg)
}

// nextObjectLine finds, after pos, the start of a line whose first
// non-blank byte opens an object: the next place a broken NDJSON body can
// be trusted again. Continuation lines of the broken entry are skipped.
func nextObjectLine(body []byte, pos int) int {
	for {
		nl := bytes.IndexByte(body[pos:], '\n')
		if nl < 0 {
			return -1
		}
		pos += nl + 1
		if i := skipSpace(body, pos); i < len(body) && body[i] == '{' {
			return i
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

func kindName(k jsontext.Kind) string {
	switch k {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	}
	return "a number"
}
