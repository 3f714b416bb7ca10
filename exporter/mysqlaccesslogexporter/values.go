package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"encoding/json"
	"math"
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

// jsonText is a value for a JSON column: maps and slices as pdata encodes
// them, anything else as its JSON literal; NULL when there is nothing.
func (m *mapper) jsonText(v pcommon.Value) any {
	switch v.Type() {
	case pcommon.ValueTypeMap, pcommon.ValueTypeSlice:
		if s := m.text(v); s != "" {
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
