package accesslog

import (
	"encoding/base64"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// JSONWriter appends a map or slice value as the JSON text Value.AsString
// gives (encoding/json of AsRaw, no HTML escaping: keys sorted, the last
// of repeated keys), byte for byte, without the raw copy and reflection
// in between: the ai_log column's text costs the exporter a third of its
// mapping CPU otherwise (BENCHMARKS.md, "Issue 21", JSONWriter).
// FuzzJSONWriterMatchesAsString holds it to AsString. A writer is reused
// from record to record; it is not safe for concurrent use.
type JSONWriter struct {
	// members is a stack of the maps being written, sorted by key.
	members []member
}

type member struct {
	key string
	val pcommon.Value
}

// Append appends v's JSON text to dst. ok is false when v holds what
// encoding/json refuses (NaN or ±Inf); dst is then to be dropped.
func (w *JSONWriter) Append(dst []byte, v pcommon.Value) (_ []byte, ok bool) {
	switch v.Type() {
	case pcommon.ValueTypeEmpty:
		return append(dst, "null"...), true
	case pcommon.ValueTypeStr:
		return appendJSONString(dst, v.Str()), true
	case pcommon.ValueTypeBool:
		return strconv.AppendBool(dst, v.Bool()), true
	case pcommon.ValueTypeInt:
		return strconv.AppendInt(dst, v.Int(), 10), true
	case pcommon.ValueTypeDouble:
		return appendJSONFloat(dst, v.Double())
	case pcommon.ValueTypeBytes:
		if v.Bytes().Len() == 0 {
			// AsRaw copies no bytes into a nil slice: encoding/json's null.
			return append(dst, "null"...), true
		}
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, v.Bytes().AsRaw())
		return append(dst, '"'), true
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		dst = append(dst, '[')
		for i := range s.Len() {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, ok = w.Append(dst, s.At(i)); !ok {
				return dst, false
			}
		}
		return append(dst, ']'), true
	case pcommon.ValueTypeMap:
		return w.appendMap(dst, v.Map())
	}
	return dst, false
}

func (w *JSONWriter) appendMap(dst []byte, m pcommon.Map) (_ []byte, ok bool) {
	base := len(w.members)
	for k, v := range m.All() {
		w.members = append(w.members, member{key: k, val: v})
	}
	defer func() { w.members = w.members[:base] }()
	own := w.members[base:]
	// Stable, so that of repeated keys the last one sent is last here.
	slices.SortStableFunc(own, func(a, b member) int { return strings.Compare(a.key, b.key) })
	dst = append(dst, '{')
	first := true
	for j := base; j < len(w.members); j++ {
		mb := w.members[j]
		if j+1 < len(w.members) && w.members[j+1].key == mb.key {
			continue // AsRaw keeps the last of repeated keys
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendJSONString(dst, mb.key)
		dst = append(dst, ':')
		if dst, ok = w.Append(dst, mb.val); !ok {
			return dst, false
		}
	}
	return append(dst, '}'), true
}

// appendJSONFloat is encoding/json's float64: ES6 number formatting.
func appendJSONFloat(dst []byte, f float64) ([]byte, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return dst, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// e-09 → e-9
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, true
}

const hexDigits = "0123456789abcdef"

// appendJSONString is encoding/json's string without HTML escaping:
// control characters escaped, invalid UTF-8 as \ufffd, U+2028 and U+2029
// escaped.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
