package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"errors"
	"time"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

var errTimeFormat = errors.New("want RFC3339 (2026-03-01T10:00:00Z), 'YYYY-MM-DD HH:MM:SS' (UTC) or epoch seconds/milliseconds")

// parseTime reads a time parameter as the receiver reads start_time
// (accesslog.ParseTime), so that a row is found by the time it was sent
// with. The POC compared the raw text with the column instead.
func parseTime(s string) (time.Time, error) {
	if t, ok := accesslog.ParseTime(s); ok {
		return t, nil
	}
	return time.Time{}, errTimeFormat
}
