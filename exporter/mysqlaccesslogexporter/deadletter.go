package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter/internal/sqltemplates"
	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// rejectedSuffix names the dead-letter table: <table>_rejected.
const rejectedSuffix = "_rejected"

// deadLetterTimeColumn is when a row was dead-lettered: the dead-letter
// table's retention deletes by it (its fixed layout:
// internal/sqltemplates/dead_letter_table.sql).
const deadLetterTimeColumn = "rejected_at"

// Dead-letter reasons (the `reason` metric attribute and column).
const (
	reasonData     = "data"
	reasonTooLarge = "too_large"
	// reasonRefused: refused alone in maxRefusals pushes with an error not
	// known to be about the data (a trigger's SIGNAL, a CHECK).
	reasonRefused = "refused"
	// reasonAILogRefused: the row is in the main table with ai_log NULL;
	// the dead-letter row keeps the ai_log that could not be stored.
	reasonAILogRefused = "ai_log_refused"
)

func reasonOf(c errClass) string {
	switch c {
	case classTooLarge:
		return reasonTooLarge
	case classRefused:
		return reasonRefused
	}
	return reasonData
}

func (e *mysqlExporter) deadLetterTable() string {
	return qualified(e.database, e.cfg.Table+rejectedSuffix)
}

// deadLetter keeps one row the database will not take: in the dead-letter
// table with the record as OTLP JSON (an operator can replay it with the
// otlpjsonfile receiver), else logged whole at error level and counted as
// dropped. It returns an error only when the database could not be asked
// (the caller then retries the row).
func (e *mysqlExporter) deadLetter(ctx context.Context, st *tableState, r *row, cause error, reason string) error {
	record, note := recordJSON(r.ref, int(st.maxPacket/2))
	errText := cause.Error() + note
	if r.aiLogDropped != "" {
		errText += " (tried with ai_log NULL; ai_log dropped because: " + r.aiLogDropped + ")"
	}
	kept, err := e.insertDeadLetter(ctx, st, r, reason, errText, record)
	if err != nil {
		return err // retried: counted once it is settled
	}
	e.telemetry.ExporterMysqlaccesslogRowsRejected.Add(ctx, 1, attr("reason", reason))
	if kept {
		return nil
	}
	e.telemetry.ExporterMysqlaccesslogRowsDropped.Add(ctx, 1, attr("reason", reason))
	e.logger.Error("row refused by the database and not storable in a dead-letter table: the record is here in full",
		zap.String("uid", r.uid), zap.String("reason", reason), zap.String("error", errText), zap.String("record", record))
	return nil
}

// keepDroppedAILog is called once r is in the main table with ai_log NULL
// although the record has one: the ai_log goes to the dead-letter table
// (reason ai_log_refused, record = the ai_log) so that it stays
// recoverable. Only the ai_log, not the whole record: the row itself is in
// the main table, and a second full copy would count the request twice.
// The log never carries the content (it may be a conversation).
func (e *mysqlExporter) keepDroppedAILog(ctx context.Context, st *tableState, r *row) error {
	v, _ := lookup(st.cols[aiLogColumn(st.cols)].field, r.ref)
	record, note := cutNoted("ai_log", v.AsString(), int(st.maxPacket/2))
	kept, err := e.insertDeadLetter(ctx, st, r, reasonAILogRefused, r.aiLogDropped+note, record)
	if err != nil {
		return err
	}
	if r.aiLogRetried {
		// The mapper counted the ai_logs it dropped itself.
		e.telemetry.ExporterMysqlaccesslogRowsTruncated.Add(ctx, 1, attr("column", st.cols[aiLogColumn(st.cols)].name))
	}
	where := "kept in the dead-letter table"
	if !kept {
		where = "no dead-letter table could keep it"
	}
	e.logger.Warn("ai_log not storable: row written with ai_log NULL; "+where, zap.String("uid", r.uid), zap.String("why", r.aiLogDropped))
	return nil
}

// insertDeadLetter writes one dead-letter row. kept is false when there
// is no dead-letter table or the database refused the row there; err is
// set only when the database could not be asked.
func (e *mysqlExporter) insertDeadLetter(ctx context.Context, st *tableState, r *row, reason, errText, record string) (kept bool, err error) {
	if !st.deadLetter {
		return false, nil
	}
	_, err = e.db.ExecContext(ctx, fmt.Sprintf(sqltemplates.DeadLetterInsert, e.deadLetterTable()),
		r.uid, time.Now().UTC(), reason, requestIDOf(r), startTimeOf(r.ref.record),
		accesslog.CutUTF8(strings.ToValidUTF8(errText, "\uFFFD"), 65535), record)
	switch {
	case err == nil:
		return true, nil
	case classify(err) == classRetry:
		return false, err
	case classify(err) == classSchema:
		// Gone, or of a layout without these columns: look again next push.
		e.invalidate()
	}
	e.logger.Warn("the dead-letter table refused a row", zap.String("uid", r.uid), zap.Error(err))
	return false, nil
}

// recordJSON is the record as OTLP JSON with its resource and scope, cut
// to limit bytes (then no longer valid JSON; note says so). The identity
// is in the dead-letter row's own columns either way.
func recordJSON(ref recordRef, limit int) (record, note string) {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	ref.resource.CopyTo(rl.Resource())
	sl := rl.ScopeLogs().AppendEmpty()
	ref.scope.Scope().CopyTo(sl.Scope())
	ref.record.CopyTo(sl.LogRecords().AppendEmpty())
	b, err := (&plog.JSONMarshaler{}).MarshalLogs(ld)
	if err != nil {
		return "", " (record not encodable: " + err.Error() + ")"
	}
	return cutNoted("record", strings.ToValidUTF8(string(b), "\uFFFD"), limit)
}

// cutNoted is s cut to limit bytes (0: no limit) and a note saying so when
// it was: the dead-letter row must fit the server's max_allowed_packet.
func cutNoted(what, s string, limit int) (cut, note string) {
	if limit <= 0 || len(s) <= limit {
		return s, ""
	}
	return accesslog.CutUTF8(s, limit), fmt.Sprintf(" (%s cut from %d to %d bytes)", what, len(s), limit)
}

// requestIDOf is the record's request_id for the VARCHAR(255) column, or NULL.
func requestIDOf(r *row) any {
	v, ok := lookup(accesslog.ByAttr(accesslog.AttrRequestID), r.ref)
	if !ok || v.AsString() == "" {
		return nil
	}
	s, _ := fitText(v.AsString(), &column{maxChars: 255})
	return s
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
