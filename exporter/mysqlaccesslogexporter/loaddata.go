package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"
)

// errLoadDataRefused marks a server (or proxy) that does not do LOAD DATA
// LOCAL INFILE; in auto mode the exporter then uses INSERT for good.
var errLoadDataRefused = errors.New("LOAD DATA LOCAL INFILE refused")

// readerSeq makes each LOAD DATA's reader name unique: the driver's
// registry is process-wide and shared with other exporters.
var readerSeq atomic.Uint64

func (e *mysqlExporter) useLoadData(st *tableState) bool {
	switch e.cfg.InsertMethod {
	case InsertMethodLoadData:
		return true
	case InsertMethodAuto:
		return st.localFile && !e.loadDataOff.Load()
	}
	return false
}

// loadChunk writes one chunk with LOAD DATA LOCAL INFILE from memory, in a
// transaction: LOCAL turns data errors into warnings (the server cannot
// stop the client's upload), so any warning rolls the chunk back and the
// chunk is written again with INSERT, which reports the errors properly.
// REPLACE on the idempotency key absorbs rows an earlier attempt wrote
// (they are replaced by identical rows).
func (e *mysqlExporter) loadChunk(ctx context.Context, st *tableState, chunk []row) (int64, error) {
	data := encodeTSV(chunk)
	name := "mysqlaccesslog-" + strconv.FormatUint(readerSeq.Add(1), 10)
	mysql.RegisterReaderHandler(name, func() io.Reader { return bytes.NewReader(data) })
	defer mysql.DeregisterReaderHandler(name)

	cols := make([]string, len(st.cols))
	for i, c := range st.cols {
		cols[i] = quoteIdent(c.name)
	}
	dup := ""
	if st.uid {
		dup = "REPLACE "
	}
	stmt := "LOAD DATA LOCAL INFILE 'Reader::" + name + "' " + dup + "INTO TABLE " + qualified(e.cfg.database(), e.cfg.Table) +
		" CHARACTER SET utf8mb4 FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (" + strings.Join(cols, ",") + ")"

	tx, err := e.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback() }()
	res, err := tx.ExecContext(ctx, stmt)
	if err != nil {
		if refusedLoadData(err) {
			return 0, fmt.Errorf("%w: %w", errLoadDataRefused, err)
		}
		return 0, err
	}
	warned, err := hasWarnings(ctx, tx)
	if err != nil {
		return 0, err
	}
	if warned {
		_ = tx.Rollback()
		return e.insertChunk(ctx, st, chunk)
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	// REPLACE counts a replaced row twice (delete + insert): new rows are
	// those counted once.
	n := int64(len(chunk))
	if affected, err := res.RowsAffected(); err == nil && st.uid {
		n = min(max(2*n-affected, 0), n)
	}
	return n, nil
}

func hasWarnings(ctx context.Context, tx *sql.Tx) (bool, error) {
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT @@warning_count").Scan(&n); err != nil {
		return false, err
	}
	return n > 0, nil
}

// refusedLoadData: local_infile off, LOCAL unsupported, or a server
// without LOAD DATA at all.
func refusedLoadData(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1148, 1235, 3948, 3950, 1064, 1105:
			return true
		}
		return false
	}
	return strings.Contains(err.Error(), "local file") || strings.Contains(err.Error(), "LOCAL")
}

// encodeTSV writes rows in LOAD DATA's default escaping: \N for NULL,
// backslash escapes for the separators.
func encodeTSV(rows []row) []byte {
	var b bytes.Buffer
	size := 0
	for i := range rows {
		size += rows[i].size
	}
	// The estimate allows for escaping: one allocation instead of the
	// buffer doubling its way up.
	b.Grow(size)
	for i := range rows {
		for j, v := range rows[i].values {
			if j > 0 {
				b.WriteByte('\t')
			}
			writeTSVValue(&b, v)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

var tsvEscaper = strings.NewReplacer("\\", "\\\\", "\t", "\\t", "\n", "\\n", "\r", "\\r", "\x00", "\\0")

func writeTSVValue(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString(`\N`)
	case string:
		_, _ = tsvEscaper.WriteString(b, x)
	case int64:
		b.Write(strconv.AppendInt(b.AvailableBuffer(), x, 10))
	case float64:
		b.Write(strconv.AppendFloat(b.AvailableBuffer(), x, 'f', -1, 64))
	case time.Time:
		b.Write(x.UTC().AppendFormat(b.AvailableBuffer(), "2006-01-02 15:04:05.999999"))
	default:
		_, _ = tsvEscaper.WriteString(b, fmt.Sprint(x))
	}
}
