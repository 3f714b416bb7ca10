package accesslog

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Reader reads JSON values into pdata with one strict decoder (jsontext):
// invalid UTF-8 and lone surrogate escapes become U+FFFD and a repeated
// key keeps its last value, as with encoding/json; numbers follow
// ParseNumber (integers as ints, other numbers as doubles, beyond float64
// as their text). The receiver reads bodies with it, and every component
// reads an object sent as a string (ParseObject) with it.
type Reader struct {
	// Dec is the decoder; callers read their own framing tokens with it.
	Dec  *jsontext.Decoder
	body []byte
	// text is body as one string: a string or number without escapes is
	// a substring of it rather than a copy of its own, the largest saving
	// in decoding (BENCHMARKS.md, "Issue 11", scalarText).
	text string
	// validUTF8: body is valid UTF-8, so every string in it is, and
	// ScalarText need not check each one again.
	validUTF8 bool
	base      int // offset in body where Dec started reading
}

// NewReader reads body once Start says where.
func NewReader(body []byte) Reader {
	return Reader{body: body, text: string(body), validUTF8: utf8.Valid(body)}
}

// Start makes Dec read from body[pos:] (after a syntax error, at the next
// place the input can be trusted again).
func (r *Reader) Start(pos int) {
	r.base = pos
	r.Dec = jsontext.NewDecoder(bytes.NewBuffer(r.body[pos:]),
		jsontext.AllowDuplicateNames(true), // the last one wins, as in encoding/json
		jsontext.AllowInvalidUTF8(true))
}

// Pos is the position in body of Dec's input offset off.
func (r *Reader) Pos(off int64) int { return r.base + int(off) }

// Offset is the position in body of Dec's next byte.
func (r *Reader) Offset() int64 { return int64(r.base) + r.Dec.InputOffset() }

// ScalarText reads a string (its unescaped value; also a member name) or
// a number (its text). Without escapes or invalid UTF-8 that is a
// substring of the input rather than a copy per value.
func (r *Reader) ScalarText() (string, error) {
	v, err := r.Dec.ReadValue()
	if err != nil {
		return "", err
	}
	end := int(r.Offset())
	if v[0] != '"' {
		return r.text[end-len(v) : end], nil
	}
	if bytes.IndexByte(v, '\\') < 0 && (r.validUTF8 || utf8.Valid(v)) {
		return r.text[end-len(v)+1 : end-1], nil
	}
	// The decoder has checked the string; AppendUnquote only reports the
	// invalid UTF-8 it replaces, as the decoder's options allow.
	b, _ := jsontext.AppendUnquote(nil, v)
	return string(b), nil
}

// Any reads a value as a raw pdata value (pcommon.Value.FromRaw).
func (r *Reader) Any() (any, error) {
	switch r.Dec.PeekKind() {
	case '{':
		m := map[string]any{}
		err := r.Members(func(key string) error {
			x, err := r.Any()
			m[key] = x
			return err
		})
		return m, err
	case '[':
		a := []any{}
		err := r.elements(func() error {
			x, err := r.Any()
			a = append(a, x)
			return err
		})
		return a, err
	}
	tok, err := r.Dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case 'n':
		return nil, nil
	case 't', 'f':
		return tok.Bool(), nil
	case '0':
		if n, ok := ParseNumber(tok.String()); ok {
			return n.Raw(), nil
		}
	}
	return tok.String(), nil
}

// ValueInto reads a value into dst with the types Any gives.
func (r *Reader) ValueInto(dst pcommon.Value) error {
	switch r.Dec.PeekKind() {
	case '{':
		return r.ObjectInto(dst.SetEmptyMap(), false)
	case '[':
		s := dst.SetEmptySlice()
		return r.elements(func() error { return r.ValueInto(s.AppendEmpty()) })
	case '"':
		s, err := r.ScalarText()
		dst.SetStr(s)
		return err
	}
	tok, err := r.Dec.ReadToken()
	if err != nil {
		return err
	}
	switch tok.Kind() {
	case 't', 'f':
		dst.SetBool(tok.Bool())
	case '0':
		if n, ok := ParseNumber(tok.String()); ok {
			n.Put(dst)
		} else {
			dst.SetStr(tok.String())
		}
	}
	// JSON null leaves dst empty.
	return nil
}

// smallMap is how many members an object is read into pdata one by one.
// Map.PutEmpty scans the map for a repeated key, so a bigger object is
// gathered in a Go map and the pdata map built from it once: an object
// costs time linear in its size, however many members it has.
const smallMap = 64

// ObjectInto reads an object into m, a repeated key replacing the earlier
// value. headers: every value is kept as its text, null removes the key.
func (r *Reader) ObjectInto(m pcommon.Map, headers bool) error {
	var big map[string]any
	err := r.Members(func(key string) error {
		if big == nil && m.Len() < smallMap {
			if headers {
				return r.headerInto(m, key)
			}
			return r.ValueInto(m.PutEmpty(key))
		}
		if big == nil {
			big = m.AsRaw()
		}
		x, err := r.Any()
		switch {
		case !headers:
			big[key] = x
		case x == nil:
			delete(big, key)
		default:
			big[key] = Text(x)
		}
		return err
	})
	if err != nil || big == nil {
		return err
	}
	return m.FromRaw(big)
}

// headerInto reads one header value as text; null removes the header.
func (r *Reader) headerInto(m pcommon.Map, key string) error {
	switch r.Dec.PeekKind() {
	case '"', '0':
		s, err := r.ScalarText()
		if err == nil {
			m.PutStr(key, s)
		}
		return err
	case 'n':
		_, err := r.Dec.ReadToken()
		m.Remove(key)
		return err
	}
	x, err := r.Any()
	m.PutStr(key, Text(x))
	return err
}

// Members calls read for each member of the object at the decoder, with
// the decoder at the member's value; read must consume the value.
func (r *Reader) Members(read func(key string) error) error {
	if _, err := r.Dec.ReadToken(); err != nil {
		return err
	}
	for r.Dec.PeekKind() != '}' {
		key, err := r.ScalarText()
		if err != nil {
			return err
		}
		if err := read(key); err != nil {
			return err
		}
	}
	_, err := r.Dec.ReadToken()
	return err
}

// elements calls read for each element of the array at the decoder.
func (r *Reader) elements(read func() error) error {
	if _, err := r.Dec.ReadToken(); err != nil {
		return err
	}
	for r.Dec.PeekKind() != ']' {
		if err := read(); err != nil {
			return err
		}
	}
	_, err := r.Dec.ReadToken()
	return err
}

// maxUnquote bounds how many times a string is unwrapped: ai_log has been
// seen encoded once or quoted twice; more is treated as plain text.
const maxUnquote = 3

// ParseObject reads an object sent as a string (ai_log, headers, token
// details): a JSON object encoded once, or a string quoted twice. JSON
// null is an empty map. ok is false when it is not an object (nor null)
// after unwrapping. headers: values as text, as ObjectInto.
func ParseObject(s string, headers bool) (pcommon.Map, bool) {
	for range maxUnquote {
		t := strings.TrimSpace(s)
		r := Reader{body: []byte(t), text: t, validUTF8: utf8.ValidString(t)}
		r.Start(0)
		m := pcommon.NewMap()
		var err error
		kind := r.Dec.PeekKind()
		switch kind {
		case '{':
			err = r.ObjectInto(m, headers)
		case 'n':
			_, err = r.Dec.ReadToken()
		case '"':
			s, err = r.ScalarText()
		default:
			return pcommon.Map{}, false
		}
		if err != nil {
			return pcommon.Map{}, false
		}
		if _, err = r.Dec.ReadToken(); err != io.EOF {
			return pcommon.Map{}, false // more than one value
		}
		if kind != '"' {
			return m, true
		}
	}
	return pcommon.Map{}, false
}

// Text renders a value Any read as a string: strings as they are, numbers
// and booleans as their JSON text, objects and arrays as JSON.
func Text(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
