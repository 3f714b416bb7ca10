package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter/internal/sqltemplates"
)

// Table maintenance runs in the background, one pass per
// retention_interval: daily partitions kept ahead, then retention on the
// table and on its dead-letter table. A pass runs only on the replica that
// holds the maintenance lock (GET_LOCK on MySQL, MariaDB and TiDB), on its
// own connection, so that replicas sharing a table never do the work twice
// at the same time.
const (
	// firstPassDelay: the first pass comes this long after start (sooner
	// with a shorter interval), once the schema is set up.
	firstPassDelay = 10 * time.Second
	// failedPassRetry: a pass that failed (the database away, a lock wait
	// given up) is tried again this soon rather than an interval later.
	failedPassRetry = time.Minute
	// maintenanceLockWait bounds, in seconds, how long a maintenance
	// statement waits for a lock: a partition change waiting for a
	// metadata lock holds up every write queued behind it, so it gives
	// up quickly and is tried again at the next pass.
	maintenanceLockWait = 3
	// lockPrefix names the maintenance lock of a table (the rest is a hash
	// of database and table: lock names are at most 64 characters and
	// server-wide).
	lockPrefix = "otelcol-higress:"
)

// Pass results, the `result` attribute of retention_runs.
const (
	resultCompleted = "completed"
	resultLocked    = "locked"
	resultFailed    = "failed"
)

// maintainLoop runs a pass soon after start and then every interval until
// ctx ends (Shutdown).
func (e *mysqlExporter) maintainLoop(ctx context.Context) {
	timer := time.NewTimer(min(e.cfg.RetentionInterval, firstPassDelay))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		next := e.cfg.RetentionInterval
		result, err := e.maintain(ctx)
		if ctx.Err() != nil {
			return
		}
		if result != "" {
			e.telemetry.ExporterMysqlaccesslogRetentionRuns.Add(ctx, 1, attr("result", result))
		}
		if err != nil {
			e.logger.Warn("table maintenance failed; trying again soon", zap.Duration("in", min(next, failedPassRetry)), zap.Error(err))
			next = min(next, failedPassRetry)
		}
		timer.Reset(next)
	}
}

// maintain is one pass. result is "" when there is nothing to maintain
// (no retention, no partitions), else completed, locked or failed.
func (e *mysqlExporter) maintain(ctx context.Context) (result string, err error) {
	st, err := e.ensure(ctx)
	if err != nil {
		if !e.maintenanceConfigured() {
			return "", nil // the writes report the database; nothing to maintain
		}
		return resultFailed, err
	}
	if !e.maintenanceConfigured() {
		// A table partitioned by day needs its days ahead whatever the
		// configuration says (an operator may have partitioned it while
		// the exporter ran): look each time.
		if _, partitioned, err := readPartitions(ctx, e.db, e.database, e.cfg.Table); err != nil || !partitioned {
			return "", nil
		}
	}
	conn, err := e.maintenanceDB.Conn(ctx)
	if err != nil {
		return resultFailed, err
	}
	// The session goes with the pass: whatever happens, the lock and the
	// session settings never outlive it in the pool.
	defer discard(conn)
	name := lockName(e.database, e.cfg.Table)
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, sqltemplates.LockGet, name).Scan(&got); err != nil {
		return resultFailed, fmt.Errorf("taking the maintenance lock: %w", err)
	}
	if got.Int64 != 1 {
		e.logger.Debug("another replica holds the maintenance lock; skipping this pass", zap.String("lock", name))
		return resultLocked, nil
	}
	defer func() {
		release, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_, _ = conn.ExecContext(release, sqltemplates.LockRelease, name)
	}()
	e.configureSession(ctx, conn)

	err = errors.Join(e.maintainTable(ctx, conn, st), e.retainDeadLetters(ctx, conn, st))
	if err != nil {
		return resultFailed, err
	}
	return resultCompleted, nil
}

func (e *mysqlExporter) maintenanceConfigured() bool {
	return e.cfg.Retention > 0 || e.cfg.DeadLetterRetention > 0 || e.cfg.daily()
}

// configureSession applies the maintenance session's settings, each on
// its own: a server that lacks one (go-mysql-server sets
// innodb_lock_wait_timeout only globally) keeps the others.
func (e *mysqlExporter) configureSession(ctx context.Context, conn *sql.Conn) {
	for _, stmt := range strings.Split(sqltemplates.MaintenanceSession, ";\n") {
		stmt = strings.TrimSpace(stmt)
		var args []any
		if strings.Contains(stmt, "?") {
			args = []any{maintenanceLockWait}
		}
		if _, err := conn.ExecContext(ctx, stmt, args...); err != nil {
			e.logger.Debug("maintenance session setting not applied", zap.String("statement", stmt), zap.Error(err))
		}
	}
}

// maintainTable keeps the table's daily partitions ahead and applies
// retention (retain).
func (e *mysqlExporter) maintainTable(ctx context.Context, conn *sql.Conn, st *tableState) error {
	table := e.cfg.Table
	layout, _, err := readPartitions(ctx, conn, e.database, table)
	if err != nil {
		return err
	}
	if layout != nil {
		if err := e.addPartitions(ctx, conn, layout, e.now()); err != nil {
			return err
		}
	}
	if e.cfg.Retention > 0 {
		col, ok := e.retentionColumn(st)
		if !ok {
			return nil
		}
		if err := e.retain(ctx, conn, st, layout, table, col, e.cfg.Retention); err != nil {
			return err
		}
	}
	e.telemetry.ExporterMysqlaccesslogRetentionLastRun.Record(ctx, e.now().Unix(), attr("table", table))
	return nil
}

// addPartitions creates the days missing up to partitions_ahead.
func (e *mysqlExporter) addPartitions(ctx context.Context, conn *sql.Conn, layout *partitionLayout, now time.Time) error {
	add := layout.missing(now, e.cfg.PartitionsAhead)
	if len(add) == 0 {
		return nil
	}
	if _, err := e.maintenanceExec(ctx, conn, layout.addPartitionsSQL(qualified(e.database, e.cfg.Table), add)); err != nil {
		return fmt.Errorf("adding partitions: %w", err)
	}
	for _, p := range add {
		e.schemaAction(ctx, actionAddPartition, p.name)
	}
	// The new days come before the catch-all, which stays last.
	parts, catchAll := layout.parts, []partition(nil)
	if layout.hasMax() {
		parts, catchAll = parts[:len(parts)-1], parts[len(parts)-1:]
	}
	layout.parts = append(append(append([]partition(nil), parts...), add...), catchAll...)
	return nil
}

// dropPartitions drops, whole, the day partitions older than cutoff.
func (e *mysqlExporter) dropPartitions(ctx context.Context, conn *sql.Conn, layout *partitionLayout, cutoff time.Time) error {
	drop := layout.expired(cutoff)
	if len(drop) == 0 {
		return nil
	}
	if _, err := e.maintenanceExec(ctx, conn, dropPartitionsSQL(qualified(e.database, e.cfg.Table), drop)); err != nil {
		return fmt.Errorf("dropping partitions: %w", err)
	}
	for _, p := range drop {
		e.schemaAction(ctx, actionDropPartition, p.name)
	}
	return nil
}

// maintenanceExec runs one maintenance statement and records how long it
// took (how long it held its locks); n is the rows it affected.
func (e *mysqlExporter) maintenanceExec(ctx context.Context, conn *sql.Conn, stmt string, args ...any) (n int64, err error) {
	begin := time.Now()
	res, err := conn.ExecContext(ctx, stmt, args...)
	e.telemetry.ExporterMysqlaccesslogRetentionStatementDuration.Record(ctx, time.Since(begin).Seconds())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// lockName is the server-wide name of the table's maintenance lock.
func lockName(database, table string) string {
	sum := sha256.Sum256([]byte(database + "\x00" + table))
	return lockPrefix + hex.EncodeToString(sum[:])[:40]
}

// discard closes the connection instead of returning it to the pool.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// epochOrTime is t as a value comparable with the column: epoch seconds
// for an integer column, else the UTC instant (the session is UTC).
func epochOrTime(c *column, t time.Time) any {
	if c.class == classInt {
		return t.Unix()
	}
	return t.UTC()
}
