package mysqlaccesslogexporter

import (
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
)

// readmeAlter is the one-off ALTER TABLE docs/table-lifecycle.md gives for
// partitioning an existing table whose start_time is of the given kind.
func readmeAlter(t *testing.T, kind string) string {
	t.Helper()
	b, err := os.ReadFile("../../docs/table-lifecycle.md")
	require.NoError(t, err)
	m := regexp.MustCompile("(?s)<!-- alter:" + kind + " -->\\s*```sql\\n(.*?)```").FindSubmatch(b)
	require.NotNil(t, m, "docs/table-lifecycle.md has no ALTER for %s", kind)
	return string(m[1])
}

// TestREADMEAlterStatements: the ALTER of docs/table-lifecycle.md partitions a table of each
// published DDL (after the exporter has run on it) without losing a row,
// and the exporter then keeps it: the days up to partitions_ahead are
// added, and the history partition, past the retention, is dropped whole.
func TestREADMEAlterStatements(t *testing.T) {
	for _, tc := range []struct{ kind, ddl string }{
		{"timestamp", mysqltest.DDLPOCAutoCreate},
		{"datetime", mysqltest.DDLReadmeDatetime},
		{"bigint", mysqltest.DDLDocsBigint},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			tg := mariaTarget(t)
			createFromDDL(t, tg, tc.ddl)
			now := time.Now().UTC()
			cfg := partitionedConfig(tg, tg.dsn, 72*time.Hour)
			// Rows from before the README's first bound, and today's.
			writeEntries(t, tg, *cfg, entriesAt(20, "history", time.Date(2026, 2, 20, 10, 0, 0, 0, time.UTC)), entriesAt(5, "today", now))

			alter := regexp.MustCompile(`ALTER TABLE access_logs`).ReplaceAllString(readmeAlter(t, tc.kind), "ALTER TABLE "+qualified(tg.database, "access_logs"))
			tg.exec(t, alter)
			require.Equal(t, []string{"p20260301", maxPartition}, partitionNames(t, tg, "access_logs"))
			assert.Equal(t, 25, tg.count(t, "SELECT COUNT(*) FROM "+qualified(tg.database, "access_logs")), "no row lost")

			tt, set := withTelemetry(t)
			exp, _ := startExporter(t, cfg, set)
			want := append(dayNames(now, 3), maxPartition)
			require.Eventually(t, func() bool { return assert.ObjectsAreEqual(want, partitionNames(t, tg, "access_logs")) },
				time.Minute, 10*time.Millisecond, "partitions: %v", partitionNames(t, tg, "access_logs"))
			assert.Zero(t, countLike(t, tg, "access_logs", "history"), "the history partition is past the retention")
			assert.Equal(t, 5, countLike(t, tg, "access_logs", "today"))
			assert.Zero(t, counter(t, tt, "retention_rows_deleted", "", ""), "dropped whole")

			// Still idempotent with (record_uid, start_time).
			logs := entryLogs(entriesAt(3, "after", now)...)
			require.NoError(t, exp.ConsumeLogs(t.Context(), logs))
			require.NoError(t, exp.ConsumeLogs(t.Context(), logs))
			assert.Equal(t, 3, countLike(t, tg, "access_logs", "after"))
			assert.Equal(t, "record_uid,start_time", indexColumns(t, tg, "access_logs")["uk_record_uid"])
		})
	}
}
