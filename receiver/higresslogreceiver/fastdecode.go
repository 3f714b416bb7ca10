package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"

	jsoniter "github.com/json-iterator/go"
)

// fastJSON decodes the common bodies (one object, or an array) about twice
// as fast as encoding/json, which was half of the collector's CPU per row
// (BENCHMARKS.md). It keeps numbers as json.Number like the standard path.
var fastJSON = jsoniter.Config{UseNumber: true}.Froze()

// fastSplit decodes a whole body that is one JSON value. ok is false when
// the body is anything else or anything unusual, and the standard path
// (exact error positions, NDJSON, resynchronisation) takes over: the fast
// path only ever returns what the standard path would (FuzzFastDecode).
func fastSplit(body []byte, start int) (entries []map[string]any, problems []entryError, ok bool) {
	b := body[start:]
	// The standard decoder turns invalid UTF-8 and lone surrogate escapes
	// into U+FFFD; leave both to it so records always hold valid UTF-8.
	if !utf8.Valid(b) || bytes.Contains(b, []byte(`\ud`)) || bytes.Contains(b, []byte(`\uD`)) {
		return nil, nil, false
	}
	// json-iterator is laxer than the standard (leading zeros, …): the
	// standard scanner, without building values, decides what is JSON.
	if !json.Valid(b) {
		return nil, nil, false
	}
	var v any
	if err := fastJSON.Unmarshal(b, &v); err != nil {
		return nil, nil, false
	}
	switch x := v.(type) {
	case map[string]any:
		return []map[string]any{x}, nil, true
	case []any:
		entries = make([]map[string]any, 0, len(x))
		for i, e := range x {
			if obj, isObj := e.(map[string]any); isObj {
				entries = append(entries, obj)
				continue
			}
			problems = append(problems, notObjectInArray(i, e))
		}
		return entries, problems, true
	}
	return nil, nil, false
}
