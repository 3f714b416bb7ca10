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

// expire applies a retention to table by its time column col. On TiDB,
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
	if err := e.maintenanceExec(ctx, conn, stmt); err != nil {
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
