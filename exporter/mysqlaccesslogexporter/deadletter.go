package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"context"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// rejectedSuffix names the dead-letter table: <table>_rejected.
const rejectedSuffix = "_rejected"

// Dead-letter reasons (the `reason` metric attribute and column).
const (
	reasonData     = "data"
	reasonTooLarge = "too_large"
	// reasonAILogRefused: the row is in the main table with ai_log NULL;
	// the dead-letter row keeps the ai_log that could not be stored.
	reasonAILogRefused = "ai_log_refused"
)

// deadLetterColumns are the dead-letter table's columns after `id`.
// reason, request_id and start_time came later: they are added to older
// dead-letter tables (with create_schema) and written only when present,
// so that a refused record is findable even when its JSON had to be cut.
var deadLetterColumns = []struct{ name, sqlType string }{
	{accesslog.RecordUID.Column, "VARCHAR(64) NULL"},
	{"rejected_at", "TIMESTAMP(3) NULL"},
	{"reason", "VARCHAR(32) NULL"},
	{"request_id", "VARCHAR(255) NULL"},
	{"start_time", "DATETIME(3) NULL"},
	{"error", "TEXT NULL"},
	{"record", "LONGTEXT NULL"},
}

// createDeadLetterTable keeps every row the database refused, with the raw
// record and the error, so that nothing is dropped silently. The record is
// LONGTEXT, not JSON: a cut-down oversized record must still be storable.
// An existing table gets the columns it lacks.
func (e *mysqlExporter) createDeadLetterTable(ctx context.Context, database, table string) error {
	live, err := readColumns(ctx, e.db, database, table)
	if err != nil {
		return err
	}
	if len(live) > 0 {
		return e.addDeadLetterColumns(ctx, database, table, live)
	}
	var b strings.Builder
	b.WriteString("CREATE TABLE IF NOT EXISTS " + qualified(database, table) + " (\n  `id` BIGINT NOT NULL AUTO_INCREMENT")
	for _, c := range deadLetterColumns {
		b.WriteString(",\n  " + quoteIdent(c.name) + " " + c.sqlType)
	}
	b.WriteString(",\n  PRIMARY KEY (`id`)")
	b.WriteString(",\n  UNIQUE KEY " + quoteIdent("uk_"+accesslog.RecordUID.Column) + " (" + quoteIdent(accesslog.RecordUID.Column) + ")")
	b.WriteString(",\n  KEY `idx_request_id` (`request_id`(" + itoa(indexPrefixChars) + "))")
	b.WriteString("\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")
	if _, err := e.db.ExecContext(ctx, b.String()); err != nil {
		return err
	}
	e.schemaAction(ctx, actionCreateTable, table)
	return nil
}

// addDeadLetterColumns brings a dead-letter table of an older version up
// to date. Without ALTER the rows are written with the columns it has.
func (e *mysqlExporter) addDeadLetterColumns(ctx context.Context, database, table string, live map[string]liveColumn) error {
	for _, c := range deadLetterColumns {
		if _, ok := live[c.name]; ok {
			continue
		}
		stmt := "ALTER TABLE " + qualified(database, table) + " ADD COLUMN " + quoteIdent(c.name) + " " + c.sqlType
		if c.name == "request_id" {
			stmt += ", ADD KEY `idx_request_id` (`request_id`(" + itoa(indexPrefixChars) + "))"
		}
		if _, err := e.db.ExecContext(ctx, stmt); err != nil {
			if isPrivilegeError(err) {
				e.logger.Warn("no privilege to add a dead-letter column; writing without it", zap.String("column", c.name), zap.Error(err))
				continue
			}
			return err
		}
		e.schemaAction(ctx, actionAddColumn, table+"."+c.name)
	}
	return nil
}

// readDeadLetterColumns is the set of known columns the live dead-letter
// table has (nil when there is no table).
func readDeadLetterColumns(ctx context.Context, e *mysqlExporter, database, table string) (map[string]bool, error) {
	live, err := readColumns(ctx, e.db, database, table)
	if err != nil || len(live) == 0 {
		return nil, err
	}
	out := map[string]bool{}
	for _, c := range deadLetterColumns {
		if _, ok := live[c.name]; ok {
			out[c.name] = true
		}
	}
	return out, nil
}

// deadLetter stores one refused row. A retried dead-letter write is absorbed
// by the same uid key as the main table. It returns an error only when the
// write itself failed (the caller then retries the row).
func (e *mysqlExporter) deadLetter(ctx context.Context, st *tableState, r *row, cause error, reason string) error {
	e.telemetry.ExporterMysqlaccesslogRowsRejected.Add(ctx, 1, reasonAttr(reason))
	record := recordJSON(r, int(st.maxPacket/2))
	if st.deadLetter == nil {
		// Without the table the record goes to the log, at error level,
		// whole: still not silent, still recoverable by an operator.
		e.logger.Error("row refused by the database and no dead-letter table exists",
			zap.Error(cause), zap.String("record", record))
		return nil
	}
	errText := cause.Error()
	if r.aiLogDropped != "" {
		errText += " (tried with ai_log NULL; ai_log dropped because: " + r.aiLogDropped + ")"
	}
	if err := e.insertDeadLetter(ctx, st, r, reason, errText, record); err != nil {
		return err
	}
	e.logger.Warn("row refused by the database, kept in the dead-letter table",
		zap.String("uid", r.uid), zap.String("reason", reason), zap.Error(cause))
	return nil
}

// keepDroppedAILog is called once r is in the main table with ai_log NULL
// although the record has one: the ai_log goes to the dead-letter table
// (reason ai_log_refused, record = {"ai_log": …}) so that it stays
// recoverable. Only the ai_log, not the whole record: the row itself is in
// the main table, and a second full copy would make one request appear
// twice to anyone who counts by request_id. The log never carries the
// content (it may be a conversation).
func (e *mysqlExporter) keepDroppedAILog(ctx context.Context, st *tableState, r *row) error {
	if st.deadLetter == nil {
		e.countDroppedAILog(ctx, st, r)
		e.logger.Warn("ai_log not storable, row written with ai_log NULL; no dead-letter table to keep it",
			zap.String("uid", r.uid), zap.String("why", r.aiLogDropped))
		return nil
	}
	v, _ := lookup(aiLogField(st.cols), r.ref)
	record := fitJSON(map[string]any{"ai_log": v.AsRaw()}, int(st.maxPacket/2), nil)
	if err := e.insertDeadLetter(ctx, st, r, reasonAILogRefused, r.aiLogDropped, record); err != nil {
		return err
	}
	e.countDroppedAILog(ctx, st, r)
	e.logger.Warn("ai_log not storable: row written with ai_log NULL, ai_log kept in the dead-letter table",
		zap.String("uid", r.uid), zap.String("why", r.aiLogDropped))
	return nil
}

// countDroppedAILog counts an ai_log dropped after a refusal, once it is
// settled (a failed keep is retried and must not count twice); the mapper
// counted those it dropped itself.
func (e *mysqlExporter) countDroppedAILog(ctx context.Context, st *tableState, r *row) {
	if r.aiLogRetried {
		e.telemetry.ExporterMysqlaccesslogRowsTruncated.Add(ctx, 1, columnAttr(aiLogColumnName(st.cols)))
	}
}

// insertDeadLetter writes one dead-letter row with the identity columns
// the table has. Every value is made safe for its column first: a refused
// dead-letter write would be retried forever.
func (e *mysqlExporter) insertDeadLetter(ctx context.Context, st *tableState, r *row, reason, errText, record string) error {
	uidCol := quoteIdent(accesslog.RecordUID.Column)
	names := []string{uidCol}
	args := []any{r.uid}
	add := func(col string, v any) {
		if st.deadLetter[col] {
			names = append(names, quoteIdent(col))
			args = append(args, v)
		}
	}
	add("rejected_at", time.Now().UTC())
	add("reason", reason)
	add("request_id", requestIDOf(r))
	add("start_time", startTimeOf(r.ref.record))
	add("error", accesslog.CutUTF8(strings.ToValidUTF8(errText, "\uFFFD"), 65535))
	add("record", record)
	stmt := "INSERT INTO " + qualified(e.cfg.database(), e.cfg.Table+rejectedSuffix) +
		" (" + strings.Join(names, ", ") + ") VALUES (?" + strings.Repeat(", ?", len(names)-1) + ")" +
		" ON DUPLICATE KEY UPDATE " + uidCol + " = " + uidCol
	_, err := e.db.ExecContext(ctx, stmt, args...)
	return err
}

// requestIDOf is the record's request_id for the dead-letter column
// (VARCHAR(255)), or NULL.
func requestIDOf(r *row) any {
	for i := range accesslog.Fields {
		if f := &accesslog.Fields[i]; f.Column == "request_id" {
			v, ok := lookup(f, r.ref)
			if !ok {
				return nil
			}
			s, _ := fitString(textValue(v), &column{maxChars: 255})
			return s
		}
	}
	return nil
}

// startTimeOf is the record's start time for the DATETIME(3) column, or
// NULL when it is outside DATETIME's range (garbage from the sender).
func startTimeOf(lr plog.LogRecord) any {
	if lr.Timestamp() == 0 {
		return nil
	}
	t := lr.Timestamp().AsTime().UTC()
	if t.Year() < 1000 || t.Year() > 9999 {
		return nil
	}
	return t.Truncate(time.Millisecond)
}

// recordJSON is the raw record as JSON: timestamps, body, attributes and
// resource attributes as the pipeline had them. An over-long record is
// fitted into one packet by cutting its biggest values, never its
// identity (the column is text, not JSON, only for historical reasons).
func recordJSON(r *row, limit int) string {
	lr := r.ref.record
	doc := map[string]any{
		"time":                plogTime(lr),
		"observed_time":       lr.ObservedTimestamp().AsTime().UTC().Format(time.RFC3339Nano),
		"body":                lr.Body().AsRaw(),
		"attributes":          lr.Attributes().AsRaw(),
		"resource_attributes": r.ref.resource.Attributes().AsRaw(),
	}
	return fitJSON(doc, limit, identityKeys)
}

func plogTime(lr plog.LogRecord) string {
	return lr.Timestamp().AsTime().UTC().Format(time.RFC3339Nano)
}

// aiLogField is the ai_log field (the one JSON-object column).
func aiLogField(cols []column) *accesslog.Field {
	if i := aiLogColumn(cols); i >= 0 {
		return cols[i].field
	}
	return nil
}

func aiLogColumnName(cols []column) string {
	if i := aiLogColumn(cols); i >= 0 {
		return cols[i].name
	}
	return "ai_log"
}
