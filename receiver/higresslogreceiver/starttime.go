package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Layouts tried for start_time strings, most common first. db-log-pusher
// sends RFC3339 in UTC; other senders use offsets, fractions or a space.
var startTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
}

// parseStartTime reads RFC3339 (any offset, any fraction), zoneless
// timestamps (taken as UTC), or epoch seconds / milliseconds / microseconds /
// nanoseconds as a number or numeric string.
func parseStartTime(val any) (pcommon.Timestamp, bool) {
	switch x := val.(type) {
	case json.Number:
		return fromEpochText(x.String())
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return 0, false
		}
		if ts, ok := fromEpochText(s); ok {
			return ts, true
		}
		for _, layout := range startTimeLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return pcommon.NewTimestampFromTime(t), true
			}
		}
	}
	return 0, false
}

// fromEpochText reads epoch numbers. Integers are scaled exactly (float64
// would blur milliseconds); fractions (seconds.fraction) go through float64.
func fromEpochText(s string) (pcommon.Timestamp, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n <= 0 {
			return 0, false
		}
		unit := epochUnit(float64(n))
		if n > math.MaxInt64/unit {
			return 0, false
		}
		return pcommon.Timestamp(n * unit), true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	nanos := f * float64(epochUnit(f))
	if nanos >= math.MaxInt64 {
		return 0, false
	}
	return pcommon.Timestamp(int64(math.Round(nanos))), true
}

// epochUnit guesses nanoseconds per unit from the magnitude: seconds until
// the year 5138, then milliseconds, microseconds, nanoseconds.
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
