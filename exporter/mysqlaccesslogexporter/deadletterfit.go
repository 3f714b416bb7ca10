package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"fmt"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// identityKeys are the attributes that say which request a dead-letter
// record is; fitJSON never cuts them.
var identityKeys = map[string]bool{
	accesslog.AttrRecordUID: true,
	"higress.request_id":    true,
	accesslog.AttrTraceID:   true,
	accesslog.AttrStartTime: true,
}

// bigString is the size from which a string is worth cutting on its own
// rather than the object or array that holds it.
const bigString = 4 << 10

// fitJSON encodes doc in at most limit bytes (limit <= 0: no limit). While
// it is too long, the biggest value is cut: a big string keeps its head
// and ends in "…[truncated N bytes]"; otherwise the biggest object or array
// becomes "[truncated N bytes]". Cutting from the end instead (as before)
// kept the big values and lost what sorts after them — the request id.
// Top-level keys and the identity attributes directly under them are never
// cut. doc is modified.
func fitJSON(doc map[string]any, limit int, keep map[string]bool) string {
	s := marshalJSON(doc)
	if s == "" {
		return `{"error":"record not encodable"}`
	}
	for range 64 {
		if limit <= 0 || len(s) <= limit {
			return s
		}
		excess := len(s) - limit
		sl, ok := biggestValue(doc, keep, excess)
		if !ok {
			break
		}
		sl.cut(excess)
		s = marshalJSON(doc)
	}
	if len(s) <= limit {
		return s
	}
	// Nothing left to cut that would be enough: keep what identifies it.
	return marshalJSON(identityOnly(doc, keep, len(s)))
}

// slot is a place in the decoded document holding a value.
type slot struct {
	m    map[string]any
	key  string
	s    []any
	idx  int
	size int
	str  bool
}

func (sl slot) get() any {
	if sl.m != nil {
		return sl.m[sl.key]
	}
	return sl.s[sl.idx]
}

func (sl slot) set(v any) {
	if sl.m != nil {
		sl.m[sl.key] = v
	} else {
		sl.s[sl.idx] = v
	}
}

// cut shortens the value by at least excess bytes of JSON when it can.
func (sl slot) cut(excess int) {
	if s, ok := sl.get().(string); ok {
		const room = 64 // the marker and escapes
		if keepN := len(s) - excess - room; keepN > 0 {
			head := accesslog.CutUTF8(s, keepN)
			sl.set(head + fmt.Sprintf("…[truncated %d bytes]", len(s)-len(head)))
			return
		}
	}
	sl.set(fmt.Sprintf("[truncated %d bytes]", sl.size))
}

// biggestValue finds what to cut: the longest string when it is big (or
// alone covers the excess), else the biggest object or array below the
// top level. The timestamps and the identity attributes are skipped.
func biggestValue(doc map[string]any, keep map[string]bool, excess int) (slot, bool) {
	var bestStr, bestBox slot
	var walk func(v any, sl slot, depth int) int
	walk = func(v any, sl slot, depth int) int {
		size := 0
		switch x := v.(type) {
		case string:
			size = len(x) + 2
			sl.size, sl.str = size, true
			if size > bestStr.size {
				bestStr = sl
			}
			return size
		case map[string]any:
			for k, e := range x {
				if depth == 1 && keep[k] {
					size += len(k) + 64
					continue
				}
				size += len(k) + 4 + walk(e, slot{m: x, key: k}, depth+1)
			}
		case []any:
			for i, e := range x {
				size += 1 + walk(e, slot{s: x, idx: i}, depth+1)
			}
		default:
			return 8
		}
		size += 2
		sl.size = size
		// depth 0 is a top-level value such as "attributes": cut inside it.
		if depth > 0 && size > bestBox.size {
			bestBox = sl
		}
		return size
	}
	for k, v := range doc {
		if k == "time" || k == "observed_time" {
			continue
		}
		walk(v, slot{m: doc, key: k}, 0)
	}
	switch {
	case bestStr.size >= bigString || (bestStr.size > 0 && bestStr.size >= excess):
		return bestStr, true
	case bestBox.size > 32:
		return bestBox, true
	case bestStr.size > 32:
		return bestStr, true
	}
	return slot{}, false
}

// identityOnly is the last resort when cutting values was not enough
// (e.g. a million tiny attributes): the top-level scalars and the identity
// attributes, and a note of how big the record was.
func identityOnly(doc map[string]any, keep map[string]bool, size int) map[string]any {
	out := map[string]any{"truncated": fmt.Sprintf("record of %d bytes cut to its identity", size)}
	for k, v := range doc {
		switch x := v.(type) {
		case map[string]any:
			ids := map[string]any{}
			for ik, iv := range x {
				if keep[ik] {
					ids[ik] = iv
				}
			}
			if len(ids) > 0 {
				out[k] = ids
			}
		case string:
			if len(x) < 256 {
				out[k] = x
			}
		}
	}
	return out
}
