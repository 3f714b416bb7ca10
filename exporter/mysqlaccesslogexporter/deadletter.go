package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// rejectedSuffix names the dead-letter table: <table>_rejected.
const rejectedSuffix = "_rejected"

// Dead-letter reasons (the `reason` metric attribute).
const (
	reasonData     = "data"
	reasonTooLarge = "too_large"
)

// createDeadLetterTable keeps every row the database refused, with the raw
// record and the error, so that nothing is dropped silently. The record is
// LONGTEXT, not JSON: a cut-down oversized record must still be storable.
func (e *mysqlExporter) createDeadLetterTable(ctx context.Context, database, table string) error {
	exists, err := tableExists(ctx, e.db, database, table)
	if err != nil || exists {
		return err
	}
	stmt := "CREATE TABLE IF NOT EXISTS " + qualified(database, table) + ` (
  ` + "`id`" + ` BIGINT NOT NULL AUTO_INCREMENT,
  ` + quoteIdent(accesslog.RecordUID.Column) + ` VARCHAR(64) NULL,
  ` + "`rejected_at`" + ` TIMESTAMP(3) NULL,
  ` + "`error`" + ` TEXT NULL,
  ` + "`record`" + ` LONGTEXT NULL,
  PRIMARY KEY (` + "`id`" + `),
  UNIQUE KEY ` + quoteIdent("uk_"+accesslog.RecordUID.Column) + ` (` + quoteIdent(accesslog.RecordUID.Column) + `)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`
	if _, err := e.db.ExecContext(ctx, stmt); err != nil {
		return err
	}
	e.schemaAction(ctx, actionCreateTable, table)
	return nil
}

// deadLetter stores one refused row. A retried dead-letter write is absorbed
// by the same uid key as the main table. It returns an error only when the
// write itself failed (the caller then retries the row).
func (e *mysqlExporter) deadLetter(ctx context.Context, st *tableState, r *row, cause error, reason string) error {
	e.telemetry.ExporterMysqlaccesslogRowsRejected.Add(ctx, 1, reasonAttr(reason))
	record := recordJSON(r, int(st.maxPacket/2))
	if !st.deadLetter {
		// Without the table the record goes to the log, at error level,
		// whole: still not silent, still recoverable by an operator.
		e.logger.Error("row refused by the database and no dead-letter table exists",
			zap.Error(cause), zap.String("record", record))
		return nil
	}
	stmt := "INSERT INTO " + qualified(e.cfg.database(), e.cfg.Table+rejectedSuffix) +
		" (" + quoteIdent(accesslog.RecordUID.Column) + ", `rejected_at`, `error`, `record`) VALUES (?, ?, ?, ?)" +
		" ON DUPLICATE KEY UPDATE " + quoteIdent(accesslog.RecordUID.Column) + " = " + quoteIdent(accesslog.RecordUID.Column)
	_, err := e.db.ExecContext(ctx, stmt, r.uid, time.Now().UTC(), truncateBytes(cause.Error(), 65535), record)
	if err != nil {
		return err
	}
	e.logger.Warn("row refused by the database, kept in the dead-letter table",
		zap.String("uid", r.uid), zap.Error(cause))
	return nil
}

// recordJSON is the raw record as JSON: timestamps, body, attributes and
// resource attributes as the pipeline had them. Over-long records are cut
// to fit one packet (the column is text, not JSON, for that reason).
func recordJSON(r *row, limit int) string {
	lr := r.ref.record
	doc := map[string]any{
		"time":                plogTime(lr),
		"observed_time":       lr.ObservedTimestamp().AsTime().UTC().Format(time.RFC3339Nano),
		"body":                lr.Body().AsRaw(),
		"attributes":          lr.Attributes().AsRaw(),
		"resource_attributes": r.ref.resource.Attributes().AsRaw(),
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return `{"error":"record not encodable"}`
	}
	s := string(bytes.TrimRight(buf.Bytes(), "\n"))
	if limit > 0 && len(s) > limit {
		s = truncateBytes(s, limit)
	}
	return s
}

func plogTime(lr plog.LogRecord) string {
	return lr.Timestamp().AsTime().UTC().Format(time.RFC3339Nano)
}
