package higresslogreceiver

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

func recordUIDs(t *testing.T, ld plog.Logs) []string {
	t.Helper()
	var out []string
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		lrs := ld.ResourceLogs().At(i).ScopeLogs().At(0).LogRecords()
		for j := 0; j < lrs.Len(); j++ {
			v, ok := lrs.At(j).Attributes().Get(accesslog.AttrRecordUID)
			require.True(t, ok)
			out = append(out, v.Str())
		}
	}
	return out
}

// A body received twice (a POST re-sent after its answer was lost) gives
// its entries with an entry_id the same uids, so the exporter stores each
// once; entries without one (db-log-pusher) keep a uid of their receipt.
func TestEntryIDGivesTheSameUIDOnEveryReceipt(t *testing.T) {
	body := []byte(`[
		{"request_id":"r1","start_time":"2026-03-01T10:00:01.123Z","instance_id":"gw-1","entry_id":"r1/1772359201123000000"},
		{"request_id":"r2","start_time":"2026-03-01T10:00:02.000Z","instance_id":"gw-1","entry_id":"r2/1772359202000000000"},
		{"request_id":"r1","start_time":"2026-03-01T10:00:01.123Z","instance_id":"gw-2","entry_id":"r1/1772359201123000000"},
		{"request_id":"old","start_time":"2026-03-01T10:00:03Z","instance_id":"gw-1"}]`)
	first, _, err := buildLogs(body, newArrival(testNow), "higress", 0)
	require.NoError(t, err)
	again, _, err := buildLogs(body, newArrival(testNow.Add(time.Minute)), "higress", 0)
	require.NoError(t, err)
	a, b := recordUIDs(t, first), recordUIDs(t, again)
	require.Len(t, a, 4)
	// Records are grouped by instance: gw-1's three, then gw-2's.
	assert.Equal(t, a[:2], b[:2], "the keyed entries of gw-1")
	assert.Equal(t, a[3], b[3], "gw-2's keyed entry")
	assert.NotEqual(t, a[2], b[2], "an entry without entry_id is new at each receipt")
	assert.NotEqual(t, a[0], a[3], "the same key on another gateway is another entry")
	assert.Len(t, map[string]bool{a[0]: true, a[1]: true, a[2]: true, a[3]: true}, 4)

	id, err := uuid.Parse(a[0])
	require.NoError(t, err)
	assert.Equal(t, uuid.Version(8), id.Version())
	assert.Equal(t, uuid.RFC4122, id.Variant())
	ms := int64(id[0])<<40 | int64(id[1])<<32 | int64(id[2])<<24 | int64(id[3])<<16 | int64(id[4])<<8 | int64(id[5])
	assert.Equal(t, time.Date(2026, 3, 1, 10, 0, 1, 123e6, time.UTC).UnixMilli(), ms, "time-ordered by start_time")

	noStart, _, err := buildLogs([]byte(`[{"entry_id":"k"},{"entry_id":7}]`), newArrival(testNow), "higress", 0)
	require.NoError(t, err)
	again, _, _ = buildLogs([]byte(`[{"entry_id":"k"},{"entry_id":7}]`), newArrival(testNow.Add(time.Hour)), "higress", 0)
	assert.Equal(t, recordUIDs(t, noStart), recordUIDs(t, again), "without start_time too")
}
