package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// Epoch values below this are seconds, from it on milliseconds (1e11 s is
// the year 5138; 1e11 ms is 1973).
const (
	epochMillisFrom = 1e11
	epochMillisTo   = 1e14
)

var errTimeFormat = errors.New("want RFC3339 (2026-03-01T10:00:00Z), 'YYYY-MM-DD HH:MM:SS' (UTC) or epoch seconds/milliseconds")

// parseTime reads a time parameter: RFC3339 with any offset, a zoneless
// "YYYY-MM-DD HH:MM:SS" (or with T) taken as UTC, or epoch seconds or
// milliseconds. The POC compared the raw text with the column instead.
func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errTimeFormat
	}
	if isDigits(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		switch {
		case err != nil || n >= epochMillisTo:
			return time.Time{}, errTimeFormat
		case n >= epochMillisFrom:
			return time.UnixMilli(n).UTC(), nil
		default:
			return time.Unix(n, 0).UTC(), nil
		}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	// An unencoded "+08:00" in a query string arrives as " 08:00".
	if i := strings.LastIndexByte(s, ' '); i > 10 && strings.Contains(s[:i], "T") {
		if t, err := time.Parse(time.RFC3339Nano, s[:i]+"+"+s[i+1:]); err == nil {
			return t.UTC(), nil
		}
	}
	for _, layout := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errTimeFormat
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
