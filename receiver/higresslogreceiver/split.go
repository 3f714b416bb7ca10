package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
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

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// splitEntries decodes a request body into its entries (JSON objects, with
// numbers kept as json.Number), in one pass over the bytes. It accepts one
// object (today's db-log-pusher), a JSON array of objects, and NDJSON or
// concatenated objects. Elements that are not objects, and NDJSON lines that
// are not valid JSON, are reported and skipped so that the rest still lands.
// A body that is not JSON at all (or an array that does not parse) is a
// bodyError: nothing in it can be trusted.
func splitEntries(body []byte) ([]entry, []entryError, error) {
	body = bytes.TrimPrefix(body, utf8BOM)
	start := skipSpace(body, 0)
	if start == len(body) {
		return nil, nil, &bodyError{reason: reasonEmpty, msg: "empty body: expected a JSON object, an array of objects or NDJSON"}
	}
	if entries, problems, ok := fastSplit(body, start); ok {
		return entries, problems, nil
	}
	objs, problems, err := splitStandard(body, start)
	entries := make([]entry, len(objs))
	for i, o := range objs {
		entries[i] = entryFromMap(o)
	}
	return entries, problems, err
}

// splitStandard is the encoding/json path: exact error positions, NDJSON
// and resynchronisation after a broken line.
func splitStandard(body []byte, start int) ([]map[string]any, []entryError, error) {
	if body[start] == '[' {
		return splitArray(body, start)
	}
	return splitStream(body, start)
}

func splitArray(body []byte, start int) ([]map[string]any, []entryError, error) {
	dec := json.NewDecoder(bytes.NewReader(body[start:]))
	dec.UseNumber()
	var elems []any
	if err := dec.Decode(&elems); err != nil {
		return nil, nil, &bodyError{reason: reasonInvalidJSON, msg: "invalid JSON array: " + describeJSONError(err, body, start)}
	}
	if i := skipSpace(body, start+int(dec.InputOffset())); i < len(body) {
		return nil, nil, &bodyError{reason: reasonInvalidJSON, msg: fmt.Sprintf("invalid JSON array: unexpected data after the array at byte %d", i)}
	}
	entries := make([]map[string]any, 0, len(elems))
	var problems []entryError
	for i, e := range elems {
		if obj, ok := e.(map[string]any); ok {
			entries = append(entries, obj)
			continue
		}
		problems = append(problems, notObjectInArray(i, e))
	}
	return entries, problems, nil
}

func notObjectInArray(i int, e any) entryError {
	return entryError{Index: i, Reason: reasonNotObject, Error: fmt.Sprintf("array element %d is %s, not an object", i, jsonKind(e))}
}

// splitStream reads concatenated values. After a syntax error it resumes at
// the next line, which is exactly NDJSON's unit of framing.
func splitStream(body []byte, pos int) ([]map[string]any, []entryError, error) {
	var entries []map[string]any
	var problems []entryError
	// One decoder reads value after value; after a syntax error a new one
	// starts at the next line that opens an object.
	var dec *json.Decoder
	base := pos
	for index := 0; ; index++ {
		if dec == nil {
			pos = skipSpace(body, pos)
			if pos >= len(body) {
				break
			}
			base = pos
			dec = json.NewDecoder(bytes.NewReader(body[pos:]))
			dec.UseNumber()
		}
		if !dec.More() && skipSpace(body, base+int(dec.InputOffset())) >= len(body) {
			break
		}
		at := base + int(dec.InputOffset())
		var v any
		if err := dec.Decode(&v); err != nil {
			problems = append(problems, entryError{Index: index, Offset: int64(at), Reason: reasonInvalidJSON, Error: describeJSONError(err, body, base)})
			next := nextObjectLine(body, skipSpace(body, at))
			if next < 0 {
				break
			}
			pos, dec = next, nil
			continue
		}
		obj, ok := v.(map[string]any)
		if !ok {
			problems = append(problems, entryError{Index: index, Offset: int64(at), Reason: reasonNotObject, Error: fmt.Sprintf("entry %d is %s, not an object", index, jsonKind(v))})
			continue
		}
		entries = append(entries, obj)
	}
	if len(entries) == 0 && allInvalid(problems) {
		return nil, nil, &bodyError{reason: reasonInvalidJSON, msg: "body is not JSON: " + problems[0].Error}
	}
	return entries, problems, nil
}

// nextObjectLine finds, after pos, the start of a line whose first
// non-blank byte opens an object: the next place a broken NDJSON body can be
// trusted again. Continuation lines of the broken entry are skipped.
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

// allInvalid is true when every problem is a syntax error: such a body is
// not JSON at all, rather than JSON with unusable entries.
func allInvalid(problems []entryError) bool {
	for _, p := range problems {
		if p.Reason != reasonInvalidJSON {
			return false
		}
	}
	return len(problems) > 0
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

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "an array"
	case string:
		return "a string"
	case nil:
		return "null"
	case bool:
		return "a boolean"
	default:
		return "a number"
	}
}

// describeJSONError turns a decoder error into "line L, column C (byte N): msg".
func describeJSONError(err error, body []byte, base int) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	off := int64(-1)
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
	}
	if off < 0 {
		return err.Error()
	}
	// The decoder's offset counts the offending byte itself.
	abs := base + int(off) - 1
	abs = max(base, min(abs, len(body)))
	line := 1 + bytes.Count(body[:abs], []byte{'\n'})
	col := abs - bytes.LastIndexByte(body[:abs], '\n')
	return fmt.Sprintf("line %d, column %d (byte %d): %v", line, col, abs, err)
}
