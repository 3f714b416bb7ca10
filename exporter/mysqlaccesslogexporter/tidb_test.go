package mysqlaccesslogexporter

import (
	"context"
	"database/sql"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"

	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
)

// columnNames lists the table's columns in order.
func columnNames(t *testing.T, tg *target, table string) []string {
	t.Helper()
	rows, err := tg.admin.Query(`SELECT COLUMN_NAME FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, tg.database, table)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		out = append(out, strings.ToLower(n))
	}
	return out
}

// sharding is TiDB's own account of how a table's rows are keyed.
func sharding(t *testing.T, tg *target, table string) (rowID, pk string) {
	t.Helper()
	require.NoError(t, tg.admin.QueryRow(`SELECT TIDB_ROW_ID_SHARDING_INFO, TIDB_PK_TYPE FROM information_schema.TABLES
		WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`, tg.database, table).Scan(&rowID, &pk))
	return rowID, pk
}

// TestTiDBTableLayout: on TiDB the exporter creates the table without an
// append hotspot — rows stored under a hidden row id with 4 random shard
// bits (16 regions from the start), the AUTO_INCREMENT id a non-clustered
// primary key handed out in order across TiDB servers — and with the same
// columns and indexes as on MariaDB, partitioned by day or not. Ids keep
// growing with each write (what /tail follows).
func TestTiDBTableLayout(t *testing.T) {
	for _, daily := range []bool{false, true} {
		name := "unpartitioned"
		if daily {
			name = "daily"
		}
		t.Run(name, func(t *testing.T) {
			tables := map[string]*target{"mariadb": mariaTarget(t), "tidb": tidbTarget(t)}
			for _, tg := range tables {
				cfg := testConfig(tg, tg.dsn)
				if daily {
					cfg.Partitioning = partitioningDaily
				}
				exp, _ := startExporter(t, cfg, nopSettings())
				for i := range 3 {
					require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(entriesAt(2, "w"+string(rune('a'+i)), time.Now())...)))
				}
			}
			maria, tidb := tables["mariadb"], tables["tidb"]
			rowID, pk := sharding(t, tidb, "access_logs")
			assert.Equal(t, "SHARD_BITS=4", rowID, "rows spread over 16 shards, not appended to one region")
			assert.Equal(t, "NONCLUSTERED", pk)
			ddl := showCreate(t, tidb, "access_logs")
			assert.Contains(t, ddl, "AUTO_ID_CACHE=1", "ids handed out in order across TiDB servers")
			assert.Contains(t, ddl, "PRE_SPLIT_REGIONS=4")
			assert.Contains(t, ddl, "COLLATE=utf8mb4_general_ci", "text compares as on MySQL and MariaDB")
			assert.Equal(t, columnNames(t, maria, "access_logs"), columnNames(t, tidb, "access_logs"), "the same columns")
			assert.Equal(t, indexColumns(t, maria, "access_logs"), indexColumns(t, tidb, "access_logs"), "the same indexes")
			if daily {
				assert.Equal(t, partitionNames(t, maria, "access_logs"), partitionNames(t, tidb, "access_logs"))
			}
			var ids []int64
			rows, err := tidb.admin.Query("SELECT id FROM " + qualified(tidb.database, "access_logs") + " ORDER BY request_id")
			require.NoError(t, err)
			for rows.Next() {
				var id int64
				require.NoError(t, rows.Scan(&id))
				ids = append(ids, id)
			}
			require.NoError(t, rows.Close())
			require.Len(t, ids, 6)
			for i := 2; i < len(ids); i += 2 {
				assert.Greater(t, min(ids[i], ids[i+1]), max(ids[i-2], ids[i-1]), "a later write has higher ids: %v", ids)
			}
		})
	}
}

// TestRetentionByTTLOnTiDB: on TiDB retention is TiDB's own row TTL, set
// on the table by the maintenance pass (TTL on start_time, its job every
// retention_interval, in minutes), on the dead-letter table by
// rejected_at; set once, changed when the retention changes. The exporter
// deletes nothing itself: TiDB's TTL jobs do, on their own schedule. A
// BIGINT start_time (epoch seconds) cannot carry a TTL: chunked deletes,
// as on MySQL and MariaDB.
func TestRetentionByTTLOnTiDB(t *testing.T) {
	t.Run("exporter_table", func(t *testing.T) {
		tg := tidbTarget(t)
		cfg := lifecycleConfig(tg, tg.dsn, 72*time.Hour)
		cfg.DeadLetterRetention = 24 * time.Hour
		writeEntries(t, tg, *cfg, entriesAt(30, "old", time.Now().Add(-100*time.Hour)), entriesAt(5, "young", time.Now()))
		tt, set := withTelemetry(t)
		exp, err := NewFactory().CreateLogs(context.Background(), set, cfg)
		require.NoError(t, err)
		require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
		// The second pass finds the TTL set by the first.
		require.Eventually(t, func() bool { return counter(t, tt, "retention_runs", "result", resultCompleted) >= 2 },
			time.Minute, 10*time.Millisecond)
		assert.True(t, hasTTL(showCreate(t, tg, "access_logs"), "start_time", 72*3600, "1m"), showCreate(t, tg, "access_logs"))
		assert.Contains(t, showCreate(t, tg, "access_logs"), "TTL=`start_time` + INTERVAL 259200 SECOND")
		assert.True(t, hasTTL(showCreate(t, tg, "access_logs_rejected"), "rejected_at", 24*3600, "1m"), showCreate(t, tg, "access_logs_rejected"))
		assert.Equal(t, int64(2), counter(t, tt, "schema_actions", "action", actionSetTTL), "set once per table, not every pass")
		assert.Equal(t, 30, countLike(t, tg, "access_logs", "old"), "the exporter deleted nothing itself")
		assert.Zero(t, counter(t, tt, "retention_rows_deleted", "", ""))
		require.NoError(t, exp.Shutdown(context.Background()))

		cfg.Retention = 48 * time.Hour
		tt, set = withTelemetry(t)
		startExporter(t, cfg, set)
		require.Eventually(t, func() bool { return hasTTL(showCreate(t, tg, "access_logs"), "start_time", 48*3600, "1m") },
			time.Minute, 10*time.Millisecond, "the TTL follows the new retention")
	})
	t.Run("units", func(t *testing.T) {
		assert.Equal(t, "120m", ttlJobInterval(2*time.Hour), "TiDB's durations know d, h and m only")
		assert.Equal(t, "1m", ttlJobInterval(50*time.Millisecond), "at least a minute")
		assert.Equal(t, int64(2), ttlSeconds(1500*time.Millisecond), "rounded up: kept at least as long as asked")
	})
	t.Run("bigint", func(t *testing.T) {
		tg := tidbTarget(t)
		createFromDDL(t, tg, mysqltest.DDLDocsBigint)
		cfg := lifecycleConfig(tg, tg.dsn, 72*time.Hour)
		writeEntries(t, tg, *cfg, entriesAt(30, "old", time.Now().Add(-100*time.Hour)), entriesAt(5, "young", time.Now()))
		tt, set := withTelemetry(t)
		startExporter(t, cfg, set)
		require.Eventually(t, func() bool { return counter(t, tt, "retention_rows_deleted", "table", "access_logs") == 30 },
			time.Minute, 10*time.Millisecond)
		assert.Zero(t, countLike(t, tg, "access_logs", "old"))
		assert.Equal(t, 5, countLike(t, tg, "access_logs", "young"))
		assert.NotContains(t, showCreate(t, tg, "access_logs"), "TTL=")
	})
}

// docsStatements are the SQL statements of the ```sql block after marker
// in docs/databases.md, comments dropped.
func docsStatements(t *testing.T, marker string) []string {
	t.Helper()
	b, err := os.ReadFile("../../docs/databases.md")
	require.NoError(t, err)
	m := regexp.MustCompile("(?s)<!-- " + marker + " -->\\s*```sql\\n(.*?)```").FindSubmatch(b)
	require.NotNil(t, m, "docs/databases.md has no %s block", marker)
	var out []string
	for _, stmt := range strings.Split(regexp.MustCompile(`(?m)^--.*$`).ReplaceAllString(string(m[1]), ""), ";") {
		if stmt = strings.TrimSpace(stmt); stmt != "" {
			out = append(out, stmt)
		}
	}
	return out
}

// TestTiDBMigrationFromInitSQL: docs/databases.md's one-off statements
// move a table created from init.sql on TiDB (clustered on id: the append
// hotspot) to the exporter's TiDB layout while the exporter keeps
// writing: every row once, the new table sharded; the copy names every
// column the exporter writes.
func TestTiDBMigrationFromInitSQL(t *testing.T) {
	stmts := docsStatements(t, "tidb:migrate")
	require.Len(t, stmts, 3)
	var copied []string
	for _, c := range schemaFields() {
		copied = append(copied, c.Column)
	}
	assert.Contains(t, stmts[1], "("+strings.Join(copied, ", ")+")", "the copy names every column the exporter writes, in order")

	tg := tidbTarget(t)
	createFromDDL(t, tg, mysqltest.DDLInitSQL)
	rowID, _ := sharding(t, tg, "access_logs")
	require.Equal(t, "NOT_SHARDED(PK_IS_HANDLE)", rowID, "init.sql's table is the append hotspot")
	exp, _ := startExporter(t, testConfig(tg, tg.dsn), nopSettings())
	require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(entriesAt(25, "history", time.Now().Add(-time.Hour))...)))

	db, err := sql.Open("mysql", withDatabase(tg.dsn, tg.database))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	exec := func(stmt string) {
		t.Helper()
		_, err := db.Exec(stmt)
		require.NoError(t, err, stmt)
	}
	exec(stmts[0]) // RENAME
	// The exporter's next write finds the table gone and creates it.
	require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(entriesAt(5, "during", time.Now())...)))
	rowID, pk := sharding(t, tg, "access_logs")
	require.Equal(t, "SHARD_BITS=4", rowID)
	require.Equal(t, "NONCLUSTERED", pk)
	exec(stmts[1]) // the copy
	require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(entriesAt(5, "after", time.Now())...)))
	exec(stmts[2]) // DROP the old table

	assert.Equal(t, 25, countLike(t, tg, "access_logs", "history"))
	assert.Equal(t, 5, countLike(t, tg, "access_logs", "during"))
	assert.Equal(t, 5, countLike(t, tg, "access_logs", "after"))
	assert.Equal(t, 35, tg.count(t, "SELECT COUNT(DISTINCT record_uid) FROM "+qualified(tg.database, "access_logs")))
	assert.Equal(t, 35, tg.count(t, "SELECT COUNT(*) FROM "+qualified(tg.database, "access_logs")))
}
