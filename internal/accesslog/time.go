package accesslog

import (
	"math"
	"strings"
	"time"
)

// timeLayouts are tried for times written as text, most common first:
// RFC3339 (db-log-pusher sends it in UTC); offsets without a colon, a space
// for the T, and zoneless times, taken as UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
}

// ParseTime reads a time as senders send start_time and users write a
// time parameter: any of timeLayouts, or epoch seconds, milliseconds,
// microseconds or nanoseconds as a number or numeric text (the unit told
// by the magnitude). An offset whose "+" a query string turned into a
// space is read as the offset. The result is UTC.
func ParseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if n, ok := ParseNumber(s); ok {
		return epochTime(n)
	}
	if i := strings.LastIndexByte(s, ' '); i > 10 && strings.Contains(s[:i], "T") {
		s = s[:i] + "+" + s[i+1:]
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// epochTime reads an epoch number. Integers are scaled exactly (float64
// would blur milliseconds); fractions (seconds.fraction) go through
// float64. Only instants after 1970 count: 0 and below are no time.
func epochTime(n Number) (time.Time, bool) {
	if i, ok := n.Integer(); ok {
		unit := epochUnit(float64(i))
		if i <= 0 || i > math.MaxInt64/unit {
			return time.Time{}, false
		}
		return time.Unix(0, i*unit).UTC(), true
	}
	nanos := n.Float * float64(epochUnit(n.Float))
	if n.Float <= 0 || nanos >= math.MaxInt64 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(math.Round(nanos))).UTC(), true
}

// epochUnit guesses nanoseconds per unit from the magnitude: seconds until
// the year 5138, then milliseconds (from 1973), microseconds, nanoseconds.
func epochUnit(f float64) int64 {
	switch {
	case f < 1e11:
		return 1e9
	case f < 1e14:
		return 1e6
	case f < 1e17:
		return 1e3
	default:
		return 1
	}
}
