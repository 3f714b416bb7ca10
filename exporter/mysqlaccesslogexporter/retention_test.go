package mysqlaccesslogexporter

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
)

// statementBound is what no retention statement may take: each deletes a
// chunk of rows through the start_time index, so it holds its locks for
// milliseconds; a DELETE that scanned or waited on the table would take
// the whole pass.
const statementBound = 2 * time.Second

// TestRetentionWhileIngesting: retention deletes exactly the rows older
// than the retention, in chunks, while new rows keep arriving; none of the
// new rows is lost or duplicated, a row just inside the retention stays,
// and no DELETE (nor any INSERT next to them) takes longer than the bound.
// MariaDB only: the in-process go-mysql-server runs one statement at a
// time, so nothing there runs next to a DELETE.
func TestRetentionWhileIngesting(t *testing.T) {
	tg := mariaTarget(t)
	now := time.Now().UTC()
	cfg := lifecycleConfig(tg, tg.dsn, 24*time.Hour)
	cfg.RetentionChunkPause = 5 * time.Millisecond
	const old, edge, perBatch = 700, 10, 50
	writeEntries(t, tg, *cfg, entriesAt(old, "old", now.Add(-48*time.Hour)), entriesAt(edge, "edge", now.Add(-23*time.Hour)))

	tt, set := withTelemetry(t)
	exp, _ := startExporter(t, cfg, set)
	batches, during := 0, 0
	deadline := time.Now().Add(2 * time.Minute)
	for {
		remaining := countLike(t, tg, "access_logs", "old")
		require.NoError(t, exp.ConsumeLogs(context.Background(),
			entryLogs(entriesAt(perBatch, fmt.Sprintf("new%03d", batches), time.Now())...)))
		batches++
		if remaining > 0 && remaining < old {
			during++
		}
		if remaining == 0 {
			break
		}
		require.True(t, time.Now().Before(deadline), "retention did not finish: %d old rows left", remaining)
	}
	assert.Positive(t, during, "batches were written while retention was deleting")

	tbl := qualified(tg.database, "access_logs")
	assert.Zero(t, countLike(t, tg, "access_logs", "old"))
	assert.Equal(t, edge, countLike(t, tg, "access_logs", "edge"), "rows inside the retention stay")
	young := batches * perBatch
	assert.Equal(t, young, tg.count(t, "SELECT COUNT(*) FROM "+tbl+" WHERE request_id LIKE 'new%'"))
	assert.Equal(t, young, tg.count(t, "SELECT COUNT(DISTINCT request_id) FROM "+tbl+" WHERE request_id LIKE 'new%'"))
	assert.Equal(t, young+edge, tg.count(t, "SELECT COUNT(DISTINCT record_uid) FROM "+tbl))

	require.Eventually(t, func() bool { return counter(t, tt, "retention_rows_deleted", "table", "access_logs") == old },
		time.Minute, 10*time.Millisecond)
	statements, slowest := histogram(t, tt, "retention_statement_duration")
	assert.GreaterOrEqual(t, statements, uint64(old/cfg.RetentionChunkRows), "one DELETE per chunk of %d rows", cfg.RetentionChunkRows)
	assert.Less(t, slowest, statementBound.Seconds(), "slowest retention statement")
	_, slowestInsert := histogram(t, tt, "write_latency")
	assert.Less(t, slowestInsert, statementBound.Seconds(), "slowest INSERT while retention ran")
	t.Logf("%d retention statements, slowest %.1f ms; slowest INSERT %.1f ms; %d batches, %d while deleting",
		statements, slowest*1000, slowestInsert*1000, batches, during)

	require.Eventually(t, func() bool {
		lag, ok := gauge(t, tt, "retention_lag", "table", "access_logs")
		return ok && lag == 0
	}, time.Minute, 10*time.Millisecond)
	last, ok := gauge(t, tt, "retention_last_run", "table", "access_logs")
	require.True(t, ok)
	assert.GreaterOrEqual(t, last, now.Unix())
}

// TestRetentionOnPublishedDDLs: retention deletes by start_time whatever
// its type (TIMESTAMP, DATETIME, BIGINT epoch seconds), and the
// dead-letter table's own retention deletes by rejected_at. (TiDB: chunked
// deletes only for BIGINT, TestRetentionByTTLOnTiDB.)
func TestRetentionOnPublishedDDLs(t *testing.T) {
	for _, file := range []string{mysqltest.DDLPOCAutoCreate, mysqltest.DDLReadmeDatetime, mysqltest.DDLDocsBigint} {
		t.Run(file, func(t *testing.T) {
			mysqlTargets(t, func(t *testing.T, tg *target) {
				createFromDDL(t, tg, file)
				now := time.Now().UTC()
				cfg := lifecycleConfig(tg, tg.dsn, 72*time.Hour)
				cfg.DeadLetterRetention = 24 * time.Hour
				writeEntries(t, tg, *cfg, entriesAt(30, "old", now.Add(-100*time.Hour)), entriesAt(5, "young", now.Add(-70*time.Hour)))
				dl := qualified(tg.database, "access_logs_rejected")
				tg.exec(t, "INSERT INTO "+dl+" (record_uid, rejected_at, reason, request_id) VALUES "+
					"('dl-old-1', NOW() - INTERVAL 3 DAY, 'data', 'dl-old-1'), ('dl-old-2', NOW() - INTERVAL 2 DAY, 'data', 'dl-old-2'), "+
					"('dl-young', NOW() - INTERVAL 1 HOUR, 'data', 'dl-young')")

				tt, set := withTelemetry(t)
				startExporter(t, cfg, set)
				require.Eventually(t, func() bool {
					return counter(t, tt, "retention_rows_deleted", "table", "access_logs") == 30 &&
						counter(t, tt, "retention_rows_deleted", "table", "access_logs_rejected") == 2
				}, time.Minute, 10*time.Millisecond)
				assert.Zero(t, countLike(t, tg, "access_logs", "old"))
				assert.Equal(t, 5, countLike(t, tg, "access_logs", "young"))
				assert.Equal(t, 1, tg.count(t, "SELECT COUNT(*) FROM "+dl))
				assert.Equal(t, 1, tg.count(t, "SELECT COUNT(*) FROM "+dl+" WHERE record_uid = 'dl-young'"))
				require.Eventually(t, func() bool { return counter(t, tt, "retention_runs", "result", resultCompleted) > 0 }, time.Minute, 10*time.Millisecond)
			})
		})
	}
}

// TestRetentionDeleteUsesStartTimeIndex: the chunk DELETE walks the
// start_time index (MariaDB's plan), and without such an index retention
// deletes nothing rather than scanning the table.
func TestRetentionDeleteUsesStartTimeIndex(t *testing.T) {
	tg := mariaTarget(t)
	createFromDDL(t, tg, mysqltest.DDLReadmeDatetime)
	cfg := lifecycleConfig(tg, tg.dsn, time.Hour)
	writeEntries(t, tg, *cfg, entriesAt(20, "old", time.Now().Add(-2*time.Hour)))
	tbl := qualified(tg.database, "access_logs")
	var id, selectType, table, kind, possible, key, keyLen, ref, rows, extra *string
	// The statement as the exporter sends it (interpolated, as its driver
	// configuration does).
	explain := "EXPLAIN DELETE FROM " + tbl + " WHERE `start_time` < '" + time.Now().UTC().Format(time.DateTime) + "' ORDER BY `start_time` LIMIT 7"
	require.NoError(t, tg.admin.QueryRow(explain).Scan(&id, &selectType, &table, &kind, &possible, &key, &keyLen, &ref, &rows, &extra))
	require.NotNil(t, key, "no index used: type %v, possible keys %v", deref(kind), deref(possible))
	assert.Equal(t, "idx_start_time", *key, "the DELETE walks the start_time index")
	assert.Equal(t, "range", *kind)

	// Without an index on start_time (and create_schema off, so none is
	// added) nothing is deleted, and the log says why.
	tg.exec(t, "DROP INDEX idx_start_time ON "+tbl)
	cfg.CreateSchema = false
	core, logs := observer.New(zap.WarnLevel)
	set := nopSettings()
	set.Logger = zap.New(core)
	startExporter(t, cfg, set)
	require.Eventually(t, func() bool { return logs.FilterMessageSnippet("no index starts with the time column").Len() > 0 },
		time.Minute, 10*time.Millisecond)
	assert.Equal(t, 20, countLike(t, tg, "access_logs", "old"))
}

// TestRetentionOffByDefault: with the defaults nothing is ever deleted and
// no maintenance pass runs (no lock taken, no statement sent).
func TestRetentionOffByDefault(t *testing.T) {
	tg := mariaTarget(t)
	cfg := testConfig(tg, tg.dsn)
	cfg.RetentionInterval = 20 * time.Millisecond
	writeEntries(t, tg, *cfg, entriesAt(5, "old", time.Now().Add(-10000*time.Hour)))
	tt, set := withTelemetry(t)
	startExporter(t, cfg, set)
	time.Sleep(300 * time.Millisecond)
	assert.Equal(t, 5, countLike(t, tg, "access_logs", "old"))
	assert.Zero(t, counter(t, tt, "retention_runs", "", ""), "no pass ran")
}

func deref(s *string) string {
	if s == nil {
		return "NULL"
	}
	return *s
}

// TestMaintenanceDatabaseDownAtStart: with retention configured, Start
// succeeds while the database is unreachable; passes fail (counted, tried
// again soon) until it is back, then retention runs; Shutdown returns
// promptly either way.
func TestMaintenanceDatabaseDownAtStart(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		cfg := lifecycleConfig(tg, tg.dsn, time.Hour)
		writeEntries(t, tg, *cfg, entriesAt(9, "old", time.Now().Add(-2*time.Hour)))
		proxy := newProxy(t, tg)
		proxy.SetDown(true)
		cfg = lifecycleConfig(tg, tg.viaAddr(t, proxy.Addr()), time.Hour)
		tt, set := withTelemetry(t)
		startExporter(t, cfg, set)
		require.Eventually(t, func() bool { return counter(t, tt, "retention_runs", "result", resultFailed) >= 2 },
			time.Minute, 10*time.Millisecond)
		assert.Equal(t, 9, countLike(t, tg, "access_logs", "old"))
		proxy.SetDown(false)
		require.Eventually(t, func() bool { return retentionApplied(t, tg, "access_logs", "old", cfg, cfg.Retention) }, time.Minute, 10*time.Millisecond)
	})
}
