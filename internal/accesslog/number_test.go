package accesslog

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzParseNumber: ParseNumber's shortcuts (text that cannot be a number,
// integers tried only without '.', 'e' or 'E') give exactly what asking
// strconv for an integer and then a float gives.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"10", " 10 ", "10.0", "1e3", "-0.0", "0.5", "1e400", "2026-11-20T10:00:00+08:00",
		"0x1p4", "0x10", "1_000", "0x1_0p0", "inf", "+Inf", "NaN", "infinity", "9223372036854775808", "-", ".", "1E5", "12ms", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseNumber(s)
		want, wantOK := referenceNumber(s)
		if ok != wantOK || got != want {
			t.Fatalf("ParseNumber(%q) = %+v, %v; strconv says %+v, %v", s, got, ok, want, wantOK)
		}
	})
}

func referenceNumber(s string) (Number, bool) {
	s = strings.TrimSpace(s)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return Number{Int: i}, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return Number{}, false
	}
	return FloatNumber(f)
}
