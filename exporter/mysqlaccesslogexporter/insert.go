package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// maxPlaceholders is the protocol's limit of parameters per prepared
// statement: a large backlog must still be split below it.
const maxPlaceholders = 65535

// packetReserve leaves room in max_allowed_packet for the statement text
// and protocol overhead beyond the estimated values.
const packetReserve = 16 << 10

// statementBuffer is the largest statement text go-sql-driver/mysql
// interpolates into the connection's own buffer (maxCachedBufSize in its
// buffer.go); a longer one costs fresh buffers, grown by doubling, and
// the collector half as much CPU again per row (BENCHMARKS.md, "Issue 21",
// statementBuffer).
const statementBuffer = 256 << 10

// chunkRows splits rows into statements under the row, placeholder and
// packet limits, and the driver's statement buffer. Each chunk is one
// statement, so it commits atomically.
func chunkRows(rows []row, ncols, maxRows int, maxPacket int64) [][]row {
	if ncols == 0 {
		return nil
	}
	limit := min(maxRows, maxPlaceholders/ncols)
	budget := int(maxPacket) - packetReserve - 100*ncols
	// The statement's own text (column names, tuples) and the escapes
	// (JSON's quotes) take the rest.
	textBudget := statementBuffer*7/8 - 64*ncols
	var chunks [][]row
	start, size, text := 0, 0, 0
	for i := range rows {
		n := i - start
		if n > 0 && (n >= limit || size+rows[i].size > budget || text+rows[i].text > textBudget) {
			chunks = append(chunks, rows[start:i])
			start, size, text = i, 0, 0
		}
		size += rows[i].size
		text += rows[i].text + 3
	}
	if start < len(rows) {
		chunks = append(chunks, rows[start:])
	}
	return chunks
}

// insertSQL is a multi-row INSERT with placeholders only. With the
// idempotency column, a row already written by an attempt whose
// acknowledgement was lost is absorbed by ON DUPLICATE KEY UPDATE on that
// key (a no-op update) — unlike INSERT IGNORE, every other error (bad
// values, truncation in strict mode) still fails the statement.
func insertSQL(database, table string, cols []column, nrows int, uid bool) string {
	var b strings.Builder
	b.Grow(64 + len(cols)*24 + nrows*(len(cols)*2+3))
	b.WriteString("INSERT INTO ")
	b.WriteString(qualified(database, table))
	b.WriteString(" (")
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(accesslog.QuoteIdent(c.name))
	}
	b.WriteString(") VALUES ")
	tuple := "(" + strings.Repeat("?,", len(cols)-1) + "?)"
	for i := range nrows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(tuple)
	}
	if uid {
		k := accesslog.QuoteIdent(accesslog.RecordUID.Column)
		b.WriteString(" ON DUPLICATE KEY UPDATE " + k + " = " + k)
	}
	return b.String()
}

// argsPool keeps chunks' argument lists: a 1000-row chunk has tens of
// thousands of values.
var argsPool = sync.Pool{New: func() any { return new([]driver.NamedValue) }}

// insertChunk writes one chunk in one statement and records its size,
// latency and the rows that were new (the rest were duplicates of
// earlier attempts).
func (e *mysqlExporter) insertChunk(ctx context.Context, st *tableState, chunk []row) error {
	pooled := argsPool.Get().(*[]driver.NamedValue)
	args := (*pooled)[:0]
	for i := range chunk {
		for _, v := range chunk[i].values {
			args = append(args, driver.NamedValue{Ordinal: len(args) + 1, Value: v})
		}
	}
	defer func() {
		clear(args) // the pool must not keep a batch's strings alive
		*pooled = args[:0]
		argsPool.Put(pooled)
	}()
	begin := time.Now()
	res, err := e.exec(ctx, insertSQL(e.database, e.cfg.Table, st.cols, len(chunk), st.uid), args)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		n = int64(len(chunk))
	}
	e.telemetry.ExporterMysqlaccesslogWriteLatency.Record(ctx, time.Since(begin).Seconds())
	e.telemetry.ExporterMysqlaccesslogBatchRows.Record(ctx, int64(len(chunk)))
	e.telemetry.ExporterMysqlaccesslogRowsWritten.Add(ctx, n)
	return nil
}

// exec hands the driver (which interpolates them, see driverConfig) the
// arguments as they are, through database/sql's Conn.Raw: DB.ExecContext
// would copy and check each of a chunk's values twice over (BENCHMARKS.md,
// "Issue 21", exec). Row values are driver values already (string, int64,
// float64, time.Time, nil).
func (e *mysqlExporter) exec(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	res, err := e.execRaw(ctx, query, args)
	if errors.Is(err, driver.ErrSkip) {
		// The driver does not interpolate a statement over
		// max_allowed_packet: database/sql then prepares it, as before.
		vals := make([]any, len(args))
		for i := range args {
			vals[i] = args[i].Value
		}
		return e.db.ExecContext(ctx, query, vals...)
	}
	return res, err
}

// execRaw runs query on a connection of the pool, given back before it
// returns (the fallback of exec needs one, and the pool may have only one).
func (e *mysqlExporter) execRaw(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var res driver.Result
	err = conn.Raw(func(dc any) error {
		execer, ok := dc.(driver.ExecerContext)
		if !ok {
			return fmt.Errorf("the %T driver connection cannot execute a statement", dc)
		}
		var execErr error
		res, execErr = execer.ExecContext(ctx, query, args)
		return execErr
	})
	return res, err
}
