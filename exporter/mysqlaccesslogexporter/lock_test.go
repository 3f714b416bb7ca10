package mysqlaccesslogexporter

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMaintenanceWaitsForTheLock: while another session holds the table's
// maintenance lock, passes do nothing (counted as locked); once it is
// released, the next pass deletes.
func TestMaintenanceWaitsForTheLock(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		cfg := lifecycleConfig(tg, tg.dsn, time.Hour)
		writeEntries(t, tg, *cfg, entriesAt(10, "old", time.Now().Add(-2*time.Hour)))

		holder, err := tg.admin.Conn(context.Background())
		require.NoError(t, err)
		defer holder.Close()
		var got int
		name := lockName(tg.database, "access_logs")
		require.NoError(t, holder.QueryRowContext(context.Background(), "SELECT GET_LOCK(?, 0)", name).Scan(&got))
		require.Equal(t, 1, got)

		tt, set := withTelemetry(t)
		startExporter(t, cfg, set)
		require.Eventually(t, func() bool { return counter(t, tt, "retention_runs", "result", resultLocked) >= 3 },
			time.Minute, 10*time.Millisecond)
		assert.Equal(t, 10, countLike(t, tg, "access_logs", "old"), "nothing deleted without the lock")
		assert.False(t, retentionApplied(t, tg, "access_logs", "old", cfg, cfg.Retention), "no retention applied without the lock")
		assert.Zero(t, counter(t, tt, "retention_runs", "result", resultCompleted))

		_, err = holder.ExecContext(context.Background(), "SELECT RELEASE_LOCK(?)", name)
		require.NoError(t, err)
		require.Eventually(t, func() bool { return retentionApplied(t, tg, "access_logs", "old", cfg, cfg.Retention) }, time.Minute, 10*time.Millisecond)
		require.Eventually(t, func() bool { return counter(t, tt, "retention_runs", "result", resultCompleted) > 0 }, time.Minute, 10*time.Millisecond)
	})
}

// TestTwoExportersNeverMaintainAtOnce: two exporters on one table, both
// with retention and a pass every 50 ms. While one deletes (a pass of ~100
// paced chunks), every pass of the other finds the lock taken. Sampling
// the server's process list all along: never two retention DELETEs at
// once, and each one runs in the session that holds the lock. Every old
// row is deleted exactly once between them.
func TestTwoExportersNeverMaintainAtOnce(t *testing.T) {
	tg := mariaTarget(t)
	cfg := lifecycleConfig(tg, tg.dsn, time.Hour)
	cfg.RetentionChunkRows = 20
	cfg.RetentionChunkPause = 5 * time.Millisecond
	const old = 2000
	var batches [][]map[string]any
	for i := range old / 500 {
		batches = append(batches, entriesAt(500, "old"+string(rune('a'+i)), time.Now().Add(-2*time.Hour)))
	}
	writeEntries(t, tg, *cfg, batches...)

	ctx, stop := context.WithCancel(context.Background())
	var samples, seen, concurrent, foreign int
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		probe, err := sql.Open("mysql", tg.dsn)
		if err != nil {
			return
		}
		defer probe.Close()
		q := "SELECT ID, IS_USED_LOCK(?) FROM information_schema.PROCESSLIST WHERE DB IS NULL AND INFO LIKE 'DELETE FROM `" + tg.database + "`%'"
		name := lockName(tg.database, "access_logs")
		for ctx.Err() == nil {
			rows, err := probe.QueryContext(ctx, q, name)
			if err != nil {
				continue
			}
			n := 0
			for rows.Next() {
				var id int64
				var holder sql.NullInt64
				if rows.Scan(&id, &holder) == nil {
					n++
					if !holder.Valid || holder.Int64 != id {
						foreign++
					}
				}
			}
			_ = rows.Close()
			samples++
			seen += n
			if n > 1 {
				concurrent++
			}
		}
	}()

	ttA, setA := withTelemetry(t)
	ttB, setB := withTelemetry(t)
	startExporter(t, cfg, setA)
	startExporter(t, cfg, setB)
	require.Eventually(t, func() bool { return tg.count(t, "SELECT COUNT(*) FROM "+qualified(tg.database, "access_logs")) == 0 },
		time.Minute, 20*time.Millisecond)
	stop()
	wg.Wait()

	deleted := func() (int64, int64) {
		return counter(t, ttA, "retention_rows_deleted", "table", "access_logs"), counter(t, ttB, "retention_rows_deleted", "table", "access_logs")
	}
	// The last chunk's rows are gone a moment before its count is added.
	require.Eventually(t, func() bool { a, b := deleted(); return a+b >= old }, time.Minute, 10*time.Millisecond)
	deletedA, deletedB := deleted()
	lockedA := counter(t, ttA, "retention_runs", "result", resultLocked)
	lockedB := counter(t, ttB, "retention_runs", "result", resultLocked)
	t.Logf("deleted A=%d B=%d; passes that found the lock taken A=%d B=%d; %d samples, %d DELETEs seen",
		deletedA, deletedB, lockedA, lockedB, samples, seen)
	assert.Equal(t, int64(old), deletedA+deletedB, "each old row deleted once")
	assert.Positive(t, lockedA+lockedB, "the other exporter's passes found the lock taken")
	assert.Positive(t, seen, "the sampler saw retention DELETEs")
	assert.Zero(t, concurrent, "two retention DELETEs at once")
	assert.Zero(t, foreign, "a retention DELETE outside the lock holder's session")
}
