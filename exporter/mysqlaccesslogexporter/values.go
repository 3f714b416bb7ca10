package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// fitText repairs and fits a string into a text column: invalid UTF-8 is
// replaced, 4-byte characters are replaced on utf8mb3 columns (which would
// refuse the row), and the text is cut to the column's characters and
// bytes. cut reports whether anything was shortened.
func fitText(s string, c *column) (_ string, cut bool) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if c.utf8mb3 {
		s = strings.Map(func(r rune) rune {
			if r > 0xFFFF {
				return '\uFFFD'
			}
			return r
		}, s)
	}
	if c.maxChars > 0 && int64(len(s)) > c.maxChars {
		// Count characters only when the bytes already exceed the limit.
		if n := int64(utf8.RuneCountInString(s)); n > c.maxChars {
			s = truncateRunes(s, int(c.maxChars))
			cut = true
		}
	}
	if c.maxBytes > 0 && int64(len(s)) > c.maxBytes {
		s = accesslog.CutUTF8(s, int(c.maxBytes))
		cut = true
	}
	return s, cut
}

// truncateRunes keeps the first n characters.
func truncateRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// intValue reads an integer attribute. Int fields may arrive as strings
// when the sender sent garbage; what does not read as an integer is NULL.
func intValue(v pcommon.Value) (int64, bool) {
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return v.Int(), true
	case pcommon.ValueTypeDouble:
		f := v.Double()
		if f == math.Trunc(f) && math.Abs(f) < 9.2e18 {
			return int64(f), true
		}
	case pcommon.ValueTypeBool:
		if v.Bool() {
			return 1, true
		}
		return 0, true
	case pcommon.ValueTypeStr:
		return accesslog.ParseInt(v.Str())
	}
	return 0, false
}

// intRange is the range of an integer column type; a value outside it would
// fail the whole row in strict mode, so it becomes NULL instead.
func intRange(c *column) (lo, hi int64) {
	var bits uint // a switch, not a map literal: this runs per value
	switch c.dataType {
	case "tinyint":
		bits = 8
	case "smallint":
		bits = 16
	case "mediumint":
		bits = 24
	case "int", "integer":
		bits = 32
	default:
		if c.unsigned {
			return 0, math.MaxInt64
		}
		return math.MinInt64, math.MaxInt64
	}
	if c.unsigned {
		return 0, int64(1)<<bits - 1
	}
	return -(int64(1) << (bits - 1)), int64(1)<<(bits-1) - 1
}

// floatValue reads a number for DECIMAL/FLOAT/DOUBLE columns.
func floatValue(v pcommon.Value) (float64, bool) {
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return float64(v.Int()), true
	case pcommon.ValueTypeDouble:
		f := v.Double()
		return f, !math.IsNaN(f) && !math.IsInf(f, 0)
	case pcommon.ValueTypeStr:
		f, err := strconv.ParseFloat(strings.TrimSpace(v.Str()), 64)
		return f, err == nil && !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, false
}

// aiLogObject is ai_log as an object: the map the receiver made, or a
// string it kept because it did not parse, parsed again here (an object
// encoded once or quoted twice). ok is false for anything else and for {}:
// those are SQL NULL.
func aiLogObject(v pcommon.Value) (pcommon.Value, bool) {
	switch v.Type() {
	case pcommon.ValueTypeMap:
		return v, v.Map().Len() > 0
	case pcommon.ValueTypeStr:
		m, ok := accesslog.DecodeObjectString(v.Str())
		if !ok || len(m) == 0 {
			return pcommon.Value{}, false
		}
		obj := pcommon.NewValueMap()
		accesslog.PutJSONMap(obj.Map(), m)
		return obj, true
	}
	return pcommon.Value{}, false
}

// jsonText is a value for a JSON column: maps and slices as pdata encodes
// them, anything else as its JSON literal; NULL when there is nothing.
func jsonText(v pcommon.Value) any {
	switch v.Type() {
	case pcommon.ValueTypeMap, pcommon.ValueTypeSlice:
		if s := v.AsString(); s != "" {
			return s
		}
		return nil
	}
	b, err := json.Marshal(v.AsRaw())
	if err != nil || string(b) == "null" {
		return nil
	}
	return string(b)
}
