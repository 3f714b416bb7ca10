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
		f, err := x.Float64()
		if err != nil {
			return 0, false
		}
		return fromEpoch(f)
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return 0, false
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return fromEpoch(f)
		}
		for _, layout := range startTimeLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return pcommon.NewTimestampFromTime(t), true
			}
		}
	}
	return 0, false
}

// fromEpoch guesses the unit from the magnitude: seconds until the year
// 5138, then milliseconds, microseconds, nanoseconds.
func fromEpoch(f float64) (pcommon.Timestamp, bool) {
	if f <= 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	var nanos float64
	switch {
	case f < 1e11:
		nanos = f * 1e9
	case f < 1e14:
		nanos = f * 1e6
	case f < 1e17:
		nanos = f * 1e3
	default:
		nanos = f
	}
	if nanos >= math.MaxInt64 {
		return 0, false
	}
	return pcommon.Timestamp(uint64(nanos)), true
}
