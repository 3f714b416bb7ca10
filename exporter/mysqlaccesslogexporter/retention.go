package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter/internal/sqltemplates"
	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
	"github.com/otelcol-higress/otelcol-higress/internal/mysqlconn"
)

// retentionColumn is the live start_time column when retention can use
// it: a time or epoch-seconds column (the three published types).
func (e *mysqlExporter) retentionColumn(st *tableState) (*column, bool) {
	c := columnNamed(st.cols, startTimeColumn())
	switch {
	case c == nil:
		e.logger.Warn("the table has no start_time column; retention keeps every row")
	case c.class == classTime || c.class == classInt:
		return c, true
	default:
		e.logger.Warn("retention needs start_time as TIMESTAMP, DATETIME or epoch seconds; keeping every row",
			zap.String("type", c.dataType))
	}
	return nil, false
}

// deleteOlder deletes the rows of table older than cutoff in chunks of
// retention_chunk_rows, oldest first, pausing retention_chunk_pause
// between chunks. Each DELETE walks the index that starts with the time
// column and stops after the chunk: without such an index it would scan
// (and lock) the whole table, so it is not run at all.
func (e *mysqlExporter) deleteOlder(ctx context.Context, conn *sql.Conn, table string, col *column, cutoff time.Time) error {
	indexes, err := readIndexes(ctx, conn, e.database, table)
	if err != nil {
		return err
	}
	if !leadingIndex(indexes, col.name) {
		e.logger.Warn("no index starts with the time column: deleting would scan the whole table, so retention keeps every row; "+
			"add one (create_schema does)", zap.String("table", table), zap.String("column", col.name))
		return nil
	}
	stmt := fmt.Sprintf(sqltemplates.RetentionDelete, qualified(e.database, table), accesslog.QuoteIdent(col.name))
	arg := epochOrTime(col, cutoff)
	limit := e.cfg.RetentionChunkRows
	var total int64
	for {
		n, err := e.maintenanceExec(ctx, conn, stmt, arg, limit)
		if err != nil {
			return fmt.Errorf("deleting rows of %s older than %s (%d deleted so far): %w", table, cutoff.UTC().Format(time.RFC3339), total, err)
		}
		total += n
		e.telemetry.ExporterMysqlaccesslogRetentionRowsDeleted.Add(ctx, n, attr("table", table))
		if n < int64(limit) {
			break
		}
		if err := sleepCtx(ctx, e.cfg.RetentionChunkPause); err != nil {
			return err
		}
	}
	if total > 0 {
		e.logger.Info("retention deleted old rows", zap.String("table", table), zap.Int64("rows", total),
			zap.Time("older_than", cutoff.UTC()))
	}
	return nil
}

// reportLag records how much older than the cutoff the oldest row still
// is (0 when none is): the time retention is behind. On a table
// partitioned by day it stays under a day by design (whole days go).
func (e *mysqlExporter) reportLag(ctx context.Context, conn *sql.Conn, table string, col *column, cutoff time.Time) {
	oldest, ok, err := e.oldest(ctx, conn, table, col)
	if err != nil {
		e.logger.Debug("reading the oldest row for the retention lag", zap.Error(err))
		return
	}
	var lag time.Duration
	if ok && oldest.Before(cutoff) {
		lag = cutoff.Sub(oldest)
	}
	e.telemetry.ExporterMysqlaccesslogRetentionLag.Record(ctx, int64(lag/time.Second), attr("table", table))
}

// oldest is the smallest value of the time column (ok false when the
// table is empty).
func (e *mysqlExporter) oldest(ctx context.Context, conn *sql.Conn, table string, col *column) (time.Time, bool, error) {
	q := fmt.Sprintf(sqltemplates.RetentionOldest, qualified(e.database, table), accesslog.QuoteIdent(col.name))
	if col.class == classInt {
		var n sql.NullInt64
		err := conn.QueryRowContext(ctx, q).Scan(&n)
		return time.Unix(n.Int64, 0), n.Valid, err
	}
	var t sql.NullTime
	err := conn.QueryRowContext(ctx, q).Scan(&t)
	return t.Time, t.Valid, err
}

// retainDeadLetters applies dead_letter_retention to <table>_rejected by
// the time each row was dead-lettered.
func (e *mysqlExporter) retainDeadLetters(ctx context.Context, conn *sql.Conn, st *tableState) error {
	if e.cfg.DeadLetterRetention <= 0 || !st.deadLetter {
		return nil
	}
	table := e.cfg.Table + rejectedSuffix
	col := &column{name: deadLetterTimeColumn, class: classTime}
	if err := e.retain(ctx, conn, st, nil, table, col, e.cfg.DeadLetterRetention); err != nil {
		return err
	}
	e.telemetry.ExporterMysqlaccesslogRetentionLastRun.Record(ctx, e.now().Unix(), attr("table", table))
	return nil
}

// retain applies a retention to table by its time column col, then
// records how far behind it is (reportLag): whole day partitions dropped
// on a table partitioned by day (layout set), else expire.
func (e *mysqlExporter) retain(ctx context.Context, conn *sql.Conn, st *tableState, layout *partitionLayout, table string, col *column, retention time.Duration) error {
	cutoff := e.now().Add(-retention)
	var err error
	if layout != nil {
		err = e.dropPartitions(ctx, conn, layout, cutoff)
	} else {
		err = e.expire(ctx, conn, st, table, col, retention)
	}
	if err != nil {
		return err
	}
	e.reportLag(ctx, conn, table, col, cutoff)
	return nil
}

// expire applies a retention to a table not partitioned by day. On TiDB,
// with a TIMESTAMP or DATETIME column, TiDB's own row TTL does it: its TTL
// jobs delete expired rows across the cluster in the background, where
// chunked deletes would funnel through one connection of one replica.
// Everywhere else (MySQL, MariaDB, an epoch-seconds column) chunked
// deletes do.
func (e *mysqlExporter) expire(ctx context.Context, conn *sql.Conn, st *tableState, table string, col *column, retention time.Duration) error {
	if st.server.Flavor == mysqlconn.TiDB && col.class == classTime {
		err := e.ensureTTL(ctx, conn, table, col, retention)
		if err == nil || !isPrivilegeError(err) {
			return err
		}
		e.logger.Warn("no privilege to set the table's TTL (ALTER); deleting expired rows in chunks instead",
			zap.String("table", table), zap.Error(err))
	}
	return e.deleteOlder(ctx, conn, table, col, e.now().Add(-retention))
}

// ensureTTL gives the table the row TTL retention asks for, unless it has
// it already: one ALTER when the table gets it or the retention changes,
// a SHOW CREATE TABLE otherwise.
func (e *mysqlExporter) ensureTTL(ctx context.Context, conn *sql.Conn, table string, col *column, retention time.Duration) error {
	name := qualified(e.database, table)
	seconds, every := ttlSeconds(retention), ttlJobInterval(e.cfg.RetentionInterval)
	var shownName, ddl string
	if err := conn.QueryRowContext(ctx, fmt.Sprintf(sqltemplates.ShowCreateTable, name)).Scan(&shownName, &ddl); err != nil {
		return err
	}
	if hasTTL(ddl, col.name, seconds, every) {
		return nil
	}
	stmt := fmt.Sprintf(sqltemplates.TTLSet, name, accesslog.QuoteIdent(col.name), seconds, every)
	if _, err := e.maintenanceExec(ctx, conn, stmt); err != nil {
		return fmt.Errorf("setting the TTL of %s: %w", table, err)
	}
	e.schemaAction(ctx, actionSetTTL, table)
	return nil
}

// hasTTL reports whether a TiDB SHOW CREATE TABLE has the TTL TTLSet
// sets with these arguments.
func hasTTL(ddl, column string, seconds int64, every string) bool {
	for _, part := range strings.Split(strings.TrimSpace(fmt.Sprintf(sqltemplates.TTLShown, "", accesslog.QuoteIdent(column), seconds, every)), "\n") {
		if !strings.Contains(ddl, part) {
			return false
		}
	}
	return true
}

// ttlSeconds is the retention in whole seconds, rounded up: rows are kept
// at least as long as asked.
func ttlSeconds(retention time.Duration) int64 {
	return max(1, int64((retention+time.Second-1)/time.Second))
}

// ttlJobInterval is how often TiDB runs the table's TTL job: every
// retention_interval, in whole minutes (TiDB's duration syntax knows d, h
// and m only).
func ttlJobInterval(interval time.Duration) string {
	return fmt.Sprintf("%dm", max(1, int64(interval/time.Minute)))
}
