package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// jsonWriter renders a pcommon.Value as exactly the text
// marshalJSON(v.AsRaw()) gives, without building the map[string]any and
// without reflection (a quarter of the mapper's CPU went there). Same text
// means: keys sorted bytewise, a repeated key written once with its last
// value (as AsRaw's map keeps it), no HTML escaping, invalid UTF-8 as
// \ufffd, U+2028/U+2029 escaped, floats as encoding/json formats them, a
// NaN or ±Inf anywhere fails the whole value, empty bytes as null.
// TestJSONWriterMatchesEncodingJSON and FuzzJSONWriter hold it to that.
type jsonWriter struct {
	buf  []byte
	keys []keyRef // sort scratch, shared by nested maps as a stack
	// text, when set, holds the results instead of one allocation each.
	text *textArena
}

type keyRef struct {
	key string
	v   pcommon.Value
}

// encode renders v; ok is false where marshalJSON returns "".
func (w *jsonWriter) encode(v pcommon.Value) (s string, ok bool) {
	w.buf = w.buf[:0]
	if !w.value(v) {
		return "", false
	}
	if w.text != nil {
		return w.text.copy(w.buf), true
	}
	return string(w.buf), true
}

func (w *jsonWriter) value(v pcommon.Value) bool {
	switch v.Type() {
	case pcommon.ValueTypeEmpty:
		w.buf = append(w.buf, "null"...)
	case pcommon.ValueTypeStr:
		w.buf = appendJSONString(w.buf, v.Str())
	case pcommon.ValueTypeBool:
		w.buf = strconv.AppendBool(w.buf, v.Bool())
	case pcommon.ValueTypeInt:
		w.buf = strconv.AppendInt(w.buf, v.Int(), 10)
	case pcommon.ValueTypeDouble:
		return w.float(v.Double())
	case pcommon.ValueTypeBytes:
		b := v.Bytes().AsRaw()
		if b == nil {
			w.buf = append(w.buf, "null"...)
			break
		}
		w.buf = append(w.buf, '"')
		w.buf = base64.StdEncoding.AppendEncode(w.buf, b)
		w.buf = append(w.buf, '"')
	case pcommon.ValueTypeMap:
		return w.object(v.Map())
	case pcommon.ValueTypeSlice:
		s := v.Slice()
		w.buf = append(w.buf, '[')
		for i := range s.Len() {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			if !w.value(s.At(i)) {
				return false
			}
		}
		w.buf = append(w.buf, ']')
	default:
		w.buf = appendJSONString(w.buf, fmt.Sprintf("<Unknown OpenTelemetry value type %q>", v.Type()))
	}
	return true
}

func (w *jsonWriter) object(m pcommon.Map) bool {
	// This map's keys sit at w.keys[base:]; nested maps push theirs after
	// them and cut back. If a nested append moves w.keys, keys (the old
	// array) is still intact for this loop.
	base := len(w.keys)
	for k, v := range m.All() {
		w.keys = append(w.keys, keyRef{k, v})
	}
	keys := w.keys[base:]
	defer func() { w.keys = w.keys[:base] }()
	sortKeys(keys)
	w.buf = append(w.buf, '{')
	first := true
	for i := range keys {
		if i+1 < len(keys) && keys[i+1].key == keys[i].key {
			continue
		}
		if !first {
			w.buf = append(w.buf, ',')
		}
		first = false
		w.buf = appendJSONString(w.buf, keys[i].key)
		w.buf = append(w.buf, ':')
		if !w.value(keys[i].v) {
			return false
		}
	}
	w.buf = append(w.buf, '}')
	return true
}

// sortKeys sorts stably, so that among repeated keys the last one is the
// last sent. ai_log objects are small: insertion sort without the
// comparison callback of slices.SortStableFunc.
func sortKeys(keys []keyRef) {
	if len(keys) > 16 {
		slices.SortStableFunc(keys, func(a, b keyRef) int { return strings.Compare(a.key, b.key) })
		return
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j].key < keys[j-1].key; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
}

// float is encoding/json's float64 encoding (ES6 number formatting).
func (w *jsonWriter) float(f float64) bool {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	w.buf = strconv.AppendFloat(w.buf, f, format, -1, 64)
	if format == 'e' {
		// e-09 → e-9
		n := len(w.buf)
		if n >= 4 && w.buf[n-4] == 'e' && w.buf[n-3] == '-' && w.buf[n-2] == '0' {
			w.buf[n-2] = w.buf[n-1]
			w.buf = w.buf[:n-1]
		}
	}
	return true
}

const hexDigits = "0123456789abcdef"

// appendJSONString is encoding/json's string encoding with HTML escaping
// off.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
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
			i++
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
