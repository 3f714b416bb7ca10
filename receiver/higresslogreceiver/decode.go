package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
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

// Reasons an entry is rejected; they label the rejected-entries metric.
const (
	reasonInvalidJSON = "invalid_json"
	reasonNotObject   = "not_object"
	reasonEmpty       = "empty"
	reasonTooLarge    = "too_large"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// decodeBody reads a request body in one pass of one strict decoder
// (accesslog.Reader: exact byte offsets in errors, concatenated values
// native): one object (today's db-log-pusher), a JSON array of objects, or
// NDJSON / concatenated objects. Array elements and NDJSON lines that are
// not objects, or lines that are not JSON, are reported and skipped so
// that the rest still lands. A body that is not JSON at all, or an array
// that does not parse, is a bodyError: nothing in it can be trusted.
// maxExtra bounds the unknown fields kept per entry. Each entry is handed
// to emit as soon as it is read, in one entry value that the next entry
// reuses: emit must not keep it (nor its known slice) once it returns.
// After a bodyError, what emit was given must be discarded.
func decodeBody(body []byte, maxExtra int, emit func(*entry)) (report, error) {
	body = bytes.TrimPrefix(body, utf8BOM)
	start := skipSpace(body, 0)
	if start == len(body) {
		return report{}, &bodyError{reason: reasonEmpty, msg: "empty body: expected a JSON object, an array of objects or NDJSON"}
	}
	known := knownPool.Get().(*[]value)
	defer func() {
		clear(*known) // what a pooled entry points at must not outlive its body
		knownPool.Put(known)
	}()
	d := decoder{Reader: accesslog.NewReader(body), body: body, maxExtra: maxExtra, emit: emit, current: entry{known: *known}}
	var err error
	if body[start] == '[' {
		err = d.array(start)
	} else {
		err = d.stream(start)
	}
	if err != nil {
		return report{}, err
	}
	return d.rep, nil
}

// knownPool keeps the values of an entry (2.6 KB) from body to body.
var knownPool = sync.Pool{New: func() any {
	known := make([]value, len(accesslog.Fields))
	return &known
}}

// decoder holds the state of one body.
type decoder struct {
	accesslog.Reader
	body     []byte
	maxExtra int
	emit     func(*entry)
	// current is the entry being read, reused for the next one: an entry
	// is about 2.6 KB of values, which are all copied into pdata by emit.
	current entry
	emitted int
	rep     report
}

func (d *decoder) array(start int) error {
	d.Start(start)
	err := d.arrayElements()
	if err == nil {
		if _, err = d.Dec.ReadToken(); err == io.EOF {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("unexpected data after the array at byte %d", d.Offset())
		}
	}
	return &bodyError{reason: reasonInvalidJSON, msg: "invalid JSON array: " + d.describe(err)}
}

func (d *decoder) arrayElements() error {
	if _, err := d.Dec.ReadToken(); err != nil {
		return err
	}
	for index := 0; ; index++ {
		switch d.Dec.PeekKind() {
		case ']':
			_, err := d.Dec.ReadToken()
			return err
		case '{':
			if err := d.entry(); err != nil {
				return err
			}
		default:
			v, err := d.Dec.ReadValue()
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
	d.Start(pos)
	for index := 0; ; index++ {
		at := d.Offset()
		var err error
		switch kind := d.Dec.PeekKind(); kind {
		case '{':
			err = d.entry()
		case jsontext.KindInvalid:
			if _, err = d.Dec.ReadToken(); err == io.EOF {
				return d.notJSON()
			}
		default:
			if _, err = d.Dec.ReadValue(); err == nil {
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
		d.Start(next)
	}
}

// notJSON turns a stream of nothing but syntax errors into a bodyError:
// such a body is not JSON at all, rather than JSON with unusable entries.
func (d *decoder) notJSON() error {
	if d.emitted > 0 || len(d.rep.problems) == 0 {
		return nil
	}
	for _, p := range d.rep.problems {
		if p.Reason != reasonInvalidJSON {
			return nil
		}
	}
	return &bodyError{reason: reasonInvalidJSON, msg: "body is not JSON: " + d.rep.problems[0].Error}
}

// entry reads one object and hands it to emit.
func (d *decoder) entry() error {
	e := &d.current
	e.reset()
	err := d.Members(func(key string) error {
		if i, known := accesslog.IndexOf(key); known {
			return d.field(&e.known[i], &accesslog.Fields[i])
		}
		return d.extra(e, key)
	})
	if err == nil {
		d.emitted++
		d.emit(e)
	}
	return err
}

// field reads a known field's value; the objects of the map-typed fields
// go straight into pdata.
func (d *decoder) field(v *value, f *accesslog.Field) error {
	switch kind := d.Dec.PeekKind(); {
	case kind == '"' || kind == '0':
		s, err := d.ScalarText()
		*v = value{kind: str, s: s}
		if kind == '0' {
			v.kind = num
		}
		return err
	case kind == 'n':
		_, err := d.Dec.ReadToken()
		*v = value{kind: null}
		return err
	case kind == '{' && (f.Kind == accesslog.JSONObject || f.Kind == accesslog.StringMap):
		m := pcommon.NewMap()
		*v = value{kind: pmap, m: m}
		return d.ObjectInto(m, f.Kind == accesslog.StringMap)
	}
	x, err := d.Any()
	*v = value{kind: other, v: x}
	return err
}

// extra keeps an unknown field, up to maxExtra distinct ones per entry;
// the rest are skipped and counted.
func (d *decoder) extra(e *entry, key string) error {
	if _, kept := e.extra[key]; !kept && len(e.extra) >= d.maxExtra {
		d.rep.extraCut++
		return d.Dec.SkipValue()
	}
	x, err := d.Any()
	e.putExtra(key, x)
	return err
}

// describe turns a decoder error into "line L, column C (byte N): msg".
func (d *decoder) describe(err error) string {
	var syn *jsontext.SyntacticError
	if !errors.As(err, &syn) {
		return err.Error()
	}
	at := min(d.Pos(syn.ByteOffset), len(d.body))
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
