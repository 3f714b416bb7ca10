package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"context"
	"strings"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// maxPlaceholders is the protocol's limit of parameters per prepared
// statement (the POC exceeded it when the database was slow).
const maxPlaceholders = 65535

// packetReserve leaves room in max_allowed_packet for the statement text
// and protocol overhead beyond the estimated values.
const packetReserve = 16 << 10

// chunkRows splits rows into statements under the row, placeholder and
// packet limits. Each chunk is one statement, so it commits atomically.
func chunkRows(rows []row, ncols, maxRows int, maxPacket int64) [][]row {
	if ncols == 0 {
		return nil
	}
	limit := min(maxRows, maxPlaceholders/ncols)
	budget := int(maxPacket) - packetReserve - 100*ncols
	var chunks [][]row
	start, size := 0, 0
	for i := range rows {
		n := i - start
		if n > 0 && (n >= limit || size+rows[i].size > budget) {
			chunks = append(chunks, rows[start:i])
			start, size = i, 0
		}
		size += rows[i].size
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
		b.WriteString(quoteIdent(c.name))
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
		k := quoteIdent(accesslog.RecordUID.Column)
		b.WriteString(" ON DUPLICATE KEY UPDATE " + k + " = " + k)
	}
	return b.String()
}

// insertText is an INSERT statement for nrows rows.
type insertText struct {
	nrows int
	sql   string
}

// insertStatement is insertSQL for the table, reusing the last one built.
func (e *mysqlExporter) insertStatement(st *tableState, nrows int) string {
	if last := st.lastInsert.Load(); last != nil && last.nrows == nrows {
		return last.sql
	}
	s := insertSQL(e.cfg.database(), e.cfg.Table, st.cols, nrows, st.uid)
	st.lastInsert.Store(&insertText{nrows, s})
	return s
}

// chunkArgs is the chunk's values as one argument list. Rows mapped
// together are consecutive in one backing array, so that is usually a
// slice of it; a chunk holding a row rebuilt since (ai_log dropped) is
// copied.
func chunkArgs(chunk []row, ncols int) []any {
	if len(chunk) > 0 && len(chunk[0].span) >= len(chunk)*ncols {
		span := chunk[0].span
		args := span[: len(chunk)*ncols : len(chunk)*ncols]
		contiguous := true
		for i := range chunk {
			if len(chunk[i].values) != ncols || (ncols > 0 && &chunk[i].values[0] != &args[i*ncols]) {
				contiguous = false
				break
			}
		}
		if contiguous {
			return args
		}
	}
	args := make([]any, 0, len(chunk)*ncols)
	for i := range chunk {
		args = append(args, chunk[i].values...)
	}
	return args
}

// insertChunk writes one chunk in one statement and returns how many rows
// were new (the rest were duplicates of earlier attempts).
func (e *mysqlExporter) insertChunk(ctx context.Context, st *tableState, chunk []row) (int64, error) {
	args := chunkArgs(chunk, len(st.cols))
	res, err := e.db.ExecContext(ctx, e.insertStatement(st, len(chunk)), args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return int64(len(chunk)), nil
	}
	return n, nil
}
