package accesslog

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// DecodeJSON decodes one JSON value keeping numbers as json.Number, so that
// integers survive exactly and can later become int attributes.
func DecodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, &json.SyntaxError{Offset: dec.InputOffset()}
	}
	return v, nil
}

// maxUnquote bounds how many times a JSON string is unwrapped: ai_log has been
// seen encoded once or quoted twice; more is treated as plain text.
const maxUnquote = 3

// DecodeObjectString parses an ai_log sent as a string: a JSON object
// encoded once, or a string quoted twice. ok is false when it is not an
// object (nor null) after unwrapping; obj is nil for JSON null.
func DecodeObjectString(s string) (obj map[string]any, ok bool) {
	cur := s
	for range maxUnquote {
		t := strings.TrimSpace(cur)
		if t == "" {
			return nil, false
		}
		v, err := DecodeJSON([]byte(t))
		if err != nil {
			return nil, false
		}
		switch x := v.(type) {
		case map[string]any:
			return x, true
		case nil:
			return nil, true
		case string:
			cur = x
		default:
			return nil, false
		}
	}
	return nil, false
}

// NumberValue converts a json.Number to int64 when it is an integer (also
// written as 12.0 or 1e3), else to float64.
func NumberValue(n json.Number) any {
	if i, err := n.Int64(); err == nil {
		return i
	}
	f, err := n.Float64()
	if err != nil {
		return n.String()
	}
	if f == float64(int64(f)) && f < 9.2e18 && f > -9.2e18 {
		return int64(f)
	}
	return f
}

// ParseInt reads an integer from a JSON value: a number, or a string holding
// one ("10", " 10 ", "10.0"). ok is false when the meaning is not clear.
func ParseInt(v any) (int64, bool) {
	switch x := v.(type) {
	case json.Number:
		if n, ok := NumberValue(x).(int64); ok {
			return n, true
		}
	case int64:
		return x, true
	case float64:
		if x == float64(int64(x)) {
			return int64(x), true
		}
	case string:
		t := strings.TrimSpace(x)
		if n, err := strconv.ParseInt(t, 10, 64); err == nil {
			return n, true
		}
		if f, err := strconv.ParseFloat(t, 64); err == nil && f == float64(int64(f)) {
			return int64(f), true
		}
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// PutJSON stores a decoded JSON value into an attribute value with the
// natural OTel type: objects become maps, arrays slices, integers ints.
func PutJSON(dst pcommon.Value, v any) {
	switch x := v.(type) {
	case nil:
		// JSON null: leave the value empty.
	case string:
		dst.SetStr(x)
	case bool:
		dst.SetBool(x)
	case json.Number:
		switch n := NumberValue(x).(type) {
		case int64:
			dst.SetInt(n)
		case float64:
			dst.SetDouble(n)
		default:
			dst.SetStr(x.String())
		}
	case int64:
		dst.SetInt(x)
	case float64:
		dst.SetDouble(x)
	case map[string]any:
		PutJSONMap(dst.SetEmptyMap(), x)
	case []any:
		s := dst.SetEmptySlice()
		s.EnsureCapacity(len(x))
		for _, e := range x {
			PutJSON(s.AppendEmpty(), e)
		}
	default:
		dst.SetStr(jsonText(x))
	}
}

// PutJSONMap copies a decoded JSON object into a map attribute.
func PutJSONMap(dst pcommon.Map, obj map[string]any) {
	dst.EnsureCapacity(len(obj))
	for k, v := range obj {
		PutJSON(dst.PutEmpty(k), v)
	}
}

// jsonText renders any decoded value back to compact JSON text.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// Text renders a decoded JSON value as a string: strings as they are,
// numbers and booleans as their JSON text, objects and arrays as JSON.
func Text(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	default:
		return jsonText(x)
	}
}
