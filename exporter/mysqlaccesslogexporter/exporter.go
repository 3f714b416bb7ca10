package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter/internal/metadata"
)

// The write path, in the order a push takes it:
//
//	pushLogs   (this file)    schema known? → records to rows → writeRows
//	mapLogs    (rows.go)      one row per record through the field table
//	writeRows  (write.go)     chunks; a refused chunk is bisected to its bad rows
//	insertChunk (insert.go)   one multi-row INSERT per chunk
//	deadLetter (deadletter.go) a row no retry will write, kept aside
//
// Beside it, in the background, table maintenance (maintenance.go):
// retention (retention.go) and daily partitions (partitions.go), one
// replica at a time.
type mysqlExporter struct {
	cfg       *Config
	database  string // the one the DSN names
	logger    *zap.Logger
	telemetry *metadata.TelemetryBuilder

	db   *sql.DB
	host component.Host
	// maintenanceDB is the maintenance pass's own one-connection pool: its
	// session holds the maintenance lock and its own settings, and never
	// takes a writer's connection.
	maintenanceDB *sql.DB
	// now is the clock partitions and retention are computed from.
	now func() time.Time

	// mu guards state: nil until the schema has been set up and read, and
	// again after a write found the table changed.
	mu    sync.Mutex
	state *tableState

	// refusals counts, per record, the pushes in which the database
	// refused it with an error not known to be about its data.
	refusals refusals

	statusMu sync.Mutex
	healthy  *bool

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newExporter(set exporter.Settings, cfg *Config) (*mysqlExporter, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return &mysqlExporter{cfg: cfg, database: cfg.database(), logger: set.Logger, telemetry: tb, now: time.Now}, nil
}

// start never fails because the database is down: the pool is lazy, and
// the schema is set up once in the background (so that the table exists
// before the first record) and otherwise by the first push that finds the
// database, paced by retry_on_failure. Only a config the driver cannot use
// (bad TLS files) fails Start.
func (e *mysqlExporter) start(ctx context.Context, host component.Host) error {
	e.host = host
	mc, err := driverConfig(ctx, e.cfg, e.logger)
	if err != nil {
		return err
	}
	if e.db, err = e.cfg.Open(mc, e.cfg.poolSize(), e.cfg.poolSize()); err != nil {
		return err
	}
	if e.maintenanceDB, err = e.cfg.Open(mc, 1, 1); err != nil {
		return err
	}
	bg, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	e.wg.Add(2)
	go func() {
		defer e.wg.Done()
		e.maintainLoop(bg)
	}()
	go func() {
		defer e.wg.Done()
		attempt, cancel := context.WithTimeout(bg, e.cfg.ConnectTimeout+e.cfg.Timeout)
		defer cancel()
		if _, err := e.ensure(attempt); err != nil && bg.Err() == nil {
			e.logger.Warn("database not ready; the first push that reaches it sets up the schema", zap.Error(err))
		}
	}()
	return nil
}

func (e *mysqlExporter) shutdown(context.Context) error {
	if e.cancel != nil {
		e.cancel()
	}
	e.wg.Wait()
	var err error
	if e.db != nil {
		err = e.db.Close()
	}
	if e.maintenanceDB != nil {
		err = errors.Join(err, e.maintenanceDB.Close())
	}
	e.telemetry.Shutdown()
	return err
}

var errNoSchema = errors.New("the access-log table is not ready yet")

// ensure returns the table state, setting up the schema first if needed.
func (e *mysqlExporter) ensure(ctx context.Context) (*tableState, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state != nil {
		return e.state, nil
	}
	st, err := e.setupSchema(ctx)
	if err != nil {
		e.reportStatus(err)
		return nil, errors.Join(errNoSchema, err)
	}
	e.state = st
	e.reportStatus(nil)
	e.logger.Info("writing access logs", zap.Stringer("server", st.server.Flavor), zap.String("version", st.server.Version),
		zap.String("database", e.database), zap.String("table", e.cfg.Table), zap.Int("columns", len(st.cols)), zap.Bool("idempotent", st.uid), zap.Bool("dead_letter_table", st.deadLetter))
	return st, nil
}

// invalidate makes the next push read the schema again.
func (e *mysqlExporter) invalidate() {
	e.mu.Lock()
	e.state = nil
	e.mu.Unlock()
}

// reportStatus reports a change between healthy and failing only, so a
// long outage is one event, not one per retry.
func (e *mysqlExporter) reportStatus(err error) {
	if e.host == nil {
		return
	}
	e.statusMu.Lock()
	defer e.statusMu.Unlock()
	ok := err == nil
	if e.healthy != nil && *e.healthy == ok {
		return
	}
	e.healthy = &ok
	if ok {
		componentstatus.ReportStatus(e.host, componentstatus.NewEvent(componentstatus.StatusOK))
	} else {
		componentstatus.ReportStatus(e.host, componentstatus.NewRecoverableErrorEvent(err))
	}
}

// pushLogs writes ld. A nil error means every record is in the table or
// in the dead-letter table (or, without one, logged whole and counted as
// dropped). A failure returns only the records not yet written
// (consumererror.NewLogs), so a retry duplicates nothing even without the
// idempotency key.
func (e *mysqlExporter) pushLogs(ctx context.Context, ld plog.Logs) error {
	if ld.LogRecordCount() == 0 {
		return nil
	}
	st, err := e.ensure(ctx)
	if err != nil {
		return err
	}
	m := newMapper(st.cols)
	rows := m.mapLogs(ld)
	for col, n := range m.truncated {
		e.telemetry.ExporterMysqlaccesslogRowsTruncated.Add(ctx, n, attr("column", col))
	}
	unwritten, err := e.writeRows(ctx, st, rows)
	if err != nil {
		if classify(err) == classRetry {
			e.reportStatus(err)
		}
		return unwrittenError(err, unwritten)
	}
	e.reportStatus(nil)
	return nil
}

// attr is a metric attribute set of one key.
func attr(key, value string) metric.MeasurementOption {
	return metric.WithAttributeSet(attribute.NewSet(attribute.String(key, value)))
}
