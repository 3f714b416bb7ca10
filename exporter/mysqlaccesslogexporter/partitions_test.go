package mysqlaccesslogexporter

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelcol-higress/otelcol-higress/internal/mysqlconn"

	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
)

// partitionedConfig partitions by day with two days ahead.
func partitionedConfig(tg *target, dsn string, retention time.Duration) *Config {
	cfg := lifecycleConfig(tg, dsn, retention)
	cfg.Partitioning = partitioningDaily
	cfg.PartitionsAhead = 2
	return cfg
}

// TestDailyPartitionsCreated: a table the exporter creates with
// partitioning: daily has today's partition, two days ahead and the
// catch-all; start_time is in the primary key and in the idempotency key;
// rows land in their day, and a redelivered batch is absorbed.
func TestDailyPartitionsCreated(t *testing.T) {
	realTargets(t, func(t *testing.T, tg *target) {
		exp, _ := startExporter(t, partitionedConfig(tg, tg.dsn, 0), nopSettings())
		now := time.Now().UTC()
		logs := entryLogs(append(entriesAt(5, "today", now), entriesAt(3, "later", now.Add(36*time.Hour))...)...)
		require.NoError(t, exp.ConsumeLogs(context.Background(), logs))
		require.NoError(t, exp.ConsumeLogs(context.Background(), logs), "redelivered")

		assert.Equal(t, append(dayNames(now, 3), maxPartition), partitionNames(t, tg, "access_logs"))
		idx := indexColumns(t, tg, "access_logs")
		assert.Equal(t, "id,start_time", idx["PRIMARY"])
		assert.Equal(t, "record_uid,start_time", idx["uk_record_uid"])
		assert.Equal(t, "start_time", idx["idx_start_time"])
		tbl := qualified(tg.database, "access_logs")
		assert.Equal(t, 8, tg.count(t, "SELECT COUNT(*) FROM "+tbl))
		assert.Equal(t, 5, tg.count(t, "SELECT COUNT(*) FROM "+tbl+" PARTITION ("+dayNames(now, 1)[0]+")"))
		later := dayNames(now.Add(36*time.Hour), 1)[0]
		assert.Equal(t, 3, tg.count(t, "SELECT COUNT(*) FROM "+tbl+" PARTITION ("+later+")"))
	})
}

// TestPartitionsAheadAndDroppedByRetention: a table partitioned ten days
// ago, its partitions long run out (today's rows are in the catch-all):
// the first pass splits the catch-all into today and the days ahead, then
// drops, whole, the days past the retention. No row is deleted one by one.
func TestPartitionsAheadAndDroppedByRetention(t *testing.T) {
	realTargets(t, func(t *testing.T, tg *target) {
		now := time.Now().UTC()
		tenDaysAgo := now.Add(-10 * day)
		tg.exec(t, "CREATE DATABASE IF NOT EXISTS `"+tg.database+"`", createTableSQL(tg.database, "access_logs", tg.flavor, true, tenDaysAgo, 2))
		cfg := partitionedConfig(tg, tg.dsn, 72*time.Hour)
		writeEntries(t, tg, *cfg, entriesAt(40, "old", now.Add(-9*day)), entriesAt(6, "recent", now.Add(-2*day)),
			entriesAt(9, "today", now))
		require.Equal(t, append(dayNames(tenDaysAgo, 3), maxPartition), partitionNames(t, tg, "access_logs"))

		tt, set := withTelemetry(t)
		startExporter(t, cfg, set)
		want := append(dayNames(now, 3), maxPartition)
		require.Eventually(t, func() bool { return assert.ObjectsAreEqual(want, partitionNames(t, tg, "access_logs")) },
			time.Minute, 10*time.Millisecond, "partitions: %v", partitionNames(t, tg, "access_logs"))
		assert.Zero(t, countLike(t, tg, "access_logs", "old"), "the days past the retention are gone")
		assert.Equal(t, 6, countLike(t, tg, "access_logs", "recent"))
		assert.Equal(t, 9, countLike(t, tg, "access_logs", "today"))
		tbl := qualified(tg.database, "access_logs")
		assert.Equal(t, 15, tg.count(t, "SELECT COUNT(*) FROM "+tbl+" PARTITION ("+dayNames(now, 1)[0]+")"),
			"today's partition holds today and the gap since the last maintained day")
		require.Eventually(t, func() bool {
			return counter(t, tt, "schema_actions", "action", actionAddPartition) == 3 &&
				counter(t, tt, "schema_actions", "action", actionDropPartition) == 3
		}, time.Minute, 10*time.Millisecond, "three days added, three dropped")
		assert.Zero(t, counter(t, tt, "retention_rows_deleted", "", ""), "whole partitions, no row-by-row delete")
		require.Eventually(t, func() bool { _, ok := gauge(t, tt, "retention_lag", "table", "access_logs"); return ok },
			time.Minute, 10*time.Millisecond)
		lag, _ := gauge(t, tt, "retention_lag", "table", "access_logs")
		assert.Less(t, lag, int64(day/time.Second), "rows outlive the retention by less than a day")
	})
}

// TestRestartOnPartitionedTable: a second exporter (a restart, another
// replica) on a partitioned table resumes without a warning or an error:
// nothing created twice, rows written, retries absorbed.
func TestRestartOnPartitionedTable(t *testing.T) {
	realTargets(t, func(t *testing.T, tg *target) {
		cfg := partitionedConfig(tg, tg.dsn, 72*time.Hour)
		first, err := NewFactory().CreateLogs(context.Background(), nopSettings(), cfg)
		require.NoError(t, err)
		require.NoError(t, first.Start(context.Background(), componenttest.NewNopHost()))
		require.NoError(t, first.ConsumeLogs(context.Background(), entryLogs(entriesAt(4, "first", time.Now())...)))
		require.NoError(t, first.Shutdown(context.Background()))
		parts := partitionNames(t, tg, "access_logs")

		core, logs := observer.New(zap.WarnLevel)
		tt, set := withTelemetry(t)
		set.Logger = zap.New(core)
		second, _ := startExporter(t, cfg, set)
		batch := entryLogs(entriesAt(4, "second", time.Now())...)
		require.NoError(t, second.ConsumeLogs(context.Background(), batch))
		require.NoError(t, second.ConsumeLogs(context.Background(), batch))
		require.Eventually(t, func() bool { return counter(t, tt, "retention_runs", "result", resultCompleted) >= 2 },
			time.Minute, 10*time.Millisecond)
		assert.Equal(t, parts, partitionNames(t, tg, "access_logs"))
		assert.Equal(t, 4, countLike(t, tg, "access_logs", "first"))
		assert.Equal(t, 4, countLike(t, tg, "access_logs", "second"))
		assert.Zero(t, counter(t, tt, "schema_actions", "", ""), "nothing created again")
		assert.Zero(t, logs.Len(), "warnings or errors: %v", logs.All())
	})
}

// TestLostCommitOnPartitionedTable: the INSERT commits but its
// acknowledgement is lost; the retry carries the same record_uid and the
// same start_time, so the (record_uid, start_time) key absorbs it.
func TestLostCommitOnPartitionedTable(t *testing.T) {
	realTargets(t, func(t *testing.T, tg *target) {
		proxy := newProxy(t, tg)
		exp, _ := startExporter(t, partitionedConfig(tg, tg.viaAddr(t, proxy.Addr()), 0), nopSettings())
		require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(entriesAt(1, "warm", time.Now())...)))
		proxy.DropNextAck("INSERT INTO")
		require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(entriesAt(40, "ack", time.Now())...)))
		assert.Equal(t, int64(1), proxy.AcksDropped.Load(), "the acknowledgement was dropped")
		assertExactlyOnce(t, tg, 41)
		assert.NotEmpty(t, partitionNames(t, tg, "access_logs"))
	})
}

// TestExistingTableNeverRepartitioned: partitioning: daily leaves an
// existing unpartitioned table as it is (with a warning); retention then
// deletes in chunks (on TiDB: sets the table's row TTL).
func TestExistingTableNeverRepartitioned(t *testing.T) {
	realTargets(t, func(t *testing.T, tg *target) {
		createFromDDL(t, tg, mysqltest.DDLPOCAutoCreate)
		cfg := partitionedConfig(tg, tg.dsn, time.Hour)
		writeEntries(t, tg, *cfg, entriesAt(12, "old", time.Now().Add(-3*time.Hour)), entriesAt(3, "young", time.Now()))
		core, logs := observer.New(zap.WarnLevel)
		tt, set := withTelemetry(t)
		set.Logger = zap.New(core)
		startExporter(t, cfg, set)
		require.Eventually(t, func() bool { return retentionApplied(t, tg, "access_logs", "old", cfg, cfg.Retention) }, time.Minute, 10*time.Millisecond)
		assert.Empty(t, partitionNames(t, tg, "access_logs"))
		assert.Equal(t, 3, countLike(t, tg, "access_logs", "young"))
		if tg.flavor != mysqlconn.TiDB {
			require.Eventually(t, func() bool { return counter(t, tt, "retention_rows_deleted", "table", "access_logs") == 12 },
				time.Minute, 10*time.Millisecond)
		}
		assert.Positive(t, logs.FilterMessageSnippet("applies to tables the exporter creates").Len())
	})
}

// TestDailyPartitionsOnGoMySQLServer: go-mysql-server v0.20 cannot parse
// MAXVALUE and otherwise ignores PARTITION BY (information_schema.PARTITIONS
// stays empty, ALTER TABLE … PARTITION statements do nothing). The
// exporter creates the table unpartitioned there, says so, and retention
// deletes in chunks.
func TestDailyPartitionsOnGoMySQLServer(t *testing.T) {
	tg := gmsTarget(t)
	core, logs := observer.New(zap.WarnLevel)
	tt, set := withTelemetry(t)
	set.Logger = zap.New(core)
	exp, _ := startExporter(t, partitionedConfig(tg, tg.dsn, time.Hour), set)
	require.NoError(t, exp.ConsumeLogs(context.Background(),
		entryLogs(append(entriesAt(10, "old", time.Now().Add(-2*time.Hour)), entriesAt(2, "young", time.Now())...)...)))
	require.Eventually(t, func() bool { return countLike(t, tg, "access_logs", "old") == 0 }, time.Minute, 10*time.Millisecond)
	assert.Equal(t, 2, countLike(t, tg, "access_logs", "young"))
	assert.Positive(t, logs.FilterMessageSnippet("refused a partitioned table").Len())
	require.Eventually(t, func() bool { return counter(t, tt, "retention_rows_deleted", "table", "access_logs") == 10 },
		time.Minute, 10*time.Millisecond)
	assert.Equal(t, "record_uid", indexColumns(t, tg, "access_logs")["uk_record_uid"])
}

// TestPartitionedTableKeptWithoutLifecycleKeys: with no lifecycle key set,
// a table partitioned by day (here after the exporter started) still gets
// its days ahead, and nothing is deleted.
func TestPartitionedTableKeptWithoutLifecycleKeys(t *testing.T) {
	tg := mariaTarget(t)
	cfg := testConfig(tg, tg.dsn)
	cfg.RetentionInterval = 50 * time.Millisecond
	exp, _ := startExporter(t, cfg, nopSettings())
	require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(entriesAt(4, "history", time.Now().Add(-400*day))...)))
	tbl := qualified(tg.database, "access_logs")
	tg.exec(t, "ALTER TABLE "+tbl+" DROP PRIMARY KEY, ADD PRIMARY KEY (id, start_time), MODIFY start_time TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, "+
		"DROP INDEX uk_record_uid, ADD UNIQUE INDEX uk_record_uid (record_uid, start_time) "+
		"PARTITION BY RANGE (UNIX_TIMESTAMP(start_time)) (PARTITION p20260301 VALUES LESS THAN (1772409600), PARTITION pmax VALUES LESS THAN MAXVALUE)")
	want := append([]string{"p20260301"}, append(dayNames(time.Now(), 4), maxPartition)...)
	require.Eventually(t, func() bool { return assert.ObjectsAreEqual(want, partitionNames(t, tg, "access_logs")) },
		time.Minute, 10*time.Millisecond, "partitions: %v", partitionNames(t, tg, "access_logs"))
	assert.Equal(t, 4, countLike(t, tg, "access_logs", "history"))
}

// TestRetryKeepsStartTimeThroughPipeline: the start_time a retry writes is
// the one the first attempt wrote, through the real chain higresslog →
// ailog → mysqlaccesslog — also for entries sent without start_time, which
// get the receive time: the receiver fixes it on the record once, nothing
// downstream changes it. The retry comes over a second later (a clock read
// at write time would differ) and still meets its first copy on the
// partitioned table's (record_uid, start_time) key.
func TestRetryKeepsStartTimeThroughPipeline(t *testing.T) {
	realTargets(t, func(t *testing.T, tg *target) {
		proxy := newProxy(t, tg)
		cfg := partitionedConfig(tg, tg.viaAddr(t, proxy.Addr()), 0)
		cfg.BackOffConfig.InitialInterval = 1100 * time.Millisecond
		cfg.BackOffConfig.MaxInterval = 1100 * time.Millisecond
		exp, _ := startExporter(t, cfg, nopSettings())
		url := startPipeline(t, exp)
		post := func(body string) {
			resp, err := http.Post(url, "application/json", strings.NewReader(body))
			require.NoError(t, err)
			_ = resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
		}
		post(`{"request_id":"warm","authority":"a","method":"GET","path":"/","protocol":"HTTP/1.1","response_code":200}`)
		proxy.DropNextAck("INSERT INTO")
		post(`[{"request_id":"no-time-1","authority":"a","method":"GET","path":"/","protocol":"HTTP/1.1","response_code":200},
			{"request_id":"no-time-2","authority":"a","method":"GET","path":"/","protocol":"HTTP/1.1","response_code":200},
			{"request_id":"sent-time","start_time":"` + time.Now().UTC().Format(time.RFC3339) + `","authority":"a","method":"GET","path":"/","protocol":"HTTP/1.1","response_code":200}]`)
		assert.Equal(t, int64(1), proxy.AcksDropped.Load(), "the acknowledgement was dropped")
		assertExactlyOnce(t, tg, 4)
	})
}
