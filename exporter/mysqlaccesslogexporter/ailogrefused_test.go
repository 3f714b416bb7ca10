package mysqlaccesslogexporter

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter/internal/metadatatest"
)

// nested is an ai_log of n nested objects in all: {"model":…,"deep":{"a":…{"a":1}}}.
func nested(n int) map[string]any {
	v := any(1)
	for range n - 1 {
		v = map[string]any{"a": v}
	}
	return map[string]any{"model": "qwen-max", "deep": v}
}

// deadLetterRow is one row of <table>_rejected by record_uid-independent
// request_id.
type deadLetterRow struct {
	reason, requestID, errText, record string
	startTime                          sql.NullString
}

func readDeadLetter(t *testing.T, tg *target, requestID string) deadLetterRow {
	t.Helper()
	var r deadLetterRow
	require.NoError(t, tg.admin.QueryRow("SELECT `reason`, `request_id`, `start_time`, `error`, `record` FROM "+
		qualified(tg.database, "access_logs_rejected")+" WHERE `request_id` = ?", requestID).
		Scan(&r.reason, &r.requestID, &r.startTime, &r.errText, &r.record))
	return r
}

// TestAILogTooDeepWrittenAsNull: MariaDB refuses an ai_log of 32 nested
// containers (the JSON column's CHECK, error 4025) and with it the whole
// row. The exporter writes such a row with ai_log NULL up front, keeps the
// ai_log in the dead-letter table (reason ai_log_refused) and counts it;
// 31 levels are stored as they are.
func TestAILogTooDeepWrittenAsNull(t *testing.T) {
	tg := mariaTarget(t)
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { _ = tt.Shutdown(context.Background()) })
	exp, _ := startExporter(t, testConfig(tg, tg.dsn), metadatatest.NewSettings(tt))
	entries := simpleEntries(3, "deep")
	entries[0]["ai_log"] = nested(maxAILogNesting)
	entries[1]["ai_log"] = nested(maxAILogNesting + 1)
	entries[2]["ai_log"] = nested(200)
	require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(entries...)))

	assertExactlyOnce(t, tg, 3)
	assert.NotNil(t, readRow(t, tg, "access_logs", "deep-0")["ai_log"], "31 levels fit")
	for _, id := range []string{"deep-1", "deep-2"} {
		assert.Nil(t, readRow(t, tg, "access_logs", id)["ai_log"], id)
		dl := readDeadLetter(t, tg, id)
		assert.Equal(t, reasonAILogRefused, dl.reason)
		assert.Contains(t, dl.errText, "nested deeper")
		assert.True(t, dl.startTime.Valid)
		var aiLog map[string]any
		require.NoError(t, json.Unmarshal([]byte(dl.record), &aiLog), "the ai_log is kept whole")
		assert.Equal(t, "qwen-max", aiLog["model"])
		assert.NotContains(t, dl.record, id, "only the ai_log: the row itself is in access_logs")
	}
	metadatatest.AssertEqualExporterMysqlaccesslogRowsTruncated(t, tt, []metricdata.DataPoint[int64]{
		{Value: 2, Attributes: attribute.NewSet(attribute.String("column", "ai_log"))},
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	_, err := tt.GetMetric("otelcol_exporter_mysqlaccesslog_rows_rejected")
	assert.Error(t, err, "no row was rejected")
}

// TestAILogRefusedRetriedWithNull: an ai_log the database refuses for a
// reason the exporter cannot foresee (here an extra CHECK on the column)
// costs the row its ai_log, not the row itself: the lone refused row is
// written again with ai_log NULL, and its ai_log is kept in the dead-letter
// table. The other rows of the batch land as they are.
func TestAILogRefusedRetriedWithNull(t *testing.T) {
	tg := mariaTarget(t)
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { _ = tt.Shutdown(context.Background()) })
	exp, _ := startExporter(t, testConfig(tg, tg.dsn), metadatatest.NewSettings(tt))
	require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(simpleEntries(1, "first")...)))
	tg.exec(t, "ALTER TABLE "+qualified(tg.database, "access_logs")+
		" ADD CONSTRAINT chk_ai CHECK (ai_log IS NULL OR LENGTH(ai_log) < 500)")

	entries := simpleEntries(6, "retry")
	for _, e := range entries {
		e["ai_log"] = map[string]any{"model": "qwen-max"}
	}
	entries[3]["ai_log"] = map[string]any{"model": "qwen-max", "answer": strings.Repeat("x", 1000)}
	require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(entries...)))

	assertExactlyOnce(t, tg, 7)
	assert.Nil(t, readRow(t, tg, "access_logs", "retry-3")["ai_log"])
	jsonEqual(t, `{"model":"qwen-max"}`, readRow(t, tg, "access_logs", "retry-4")["ai_log"])
	dl := readDeadLetter(t, tg, "retry-3")
	assert.Equal(t, reasonAILogRefused, dl.reason)
	assert.Contains(t, dl.errText, "chk_ai")
	assert.Contains(t, dl.record, strings.Repeat("x", 1000))
	assert.Equal(t, 1, tg.count(t, "SELECT COUNT(*) FROM "+qualified(tg.database, "access_logs_rejected")))
	metadatatest.AssertEqualExporterMysqlaccesslogRowsTruncated(t, tt, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("column", "ai_log"))},
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}

// TestRefusedWithoutAILogDeadLettered: when the row is refused for
// something else, dropping ai_log does not help; the row is dead-lettered
// whole, ai_log included, once, as OTLP JSON.
func TestRefusedWithoutAILogDeadLettered(t *testing.T) {
	tg := mariaTarget(t)
	exp, _ := startExporter(t, testConfig(tg, tg.dsn), nopSettings())
	require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(simpleEntries(1, "first")...)))
	tg.exec(t, "ALTER TABLE "+qualified(tg.database, "access_logs")+" ADD CONSTRAINT chk_code CHECK (response_code <> 999)")

	entries := simpleEntries(3, "other")
	entries[1]["response_code"] = 999
	entries[1]["ai_log"] = map[string]any{"model": "qwen-max", "question": "why"}
	require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(entries...)))

	assertExactlyOnce(t, tg, 3) // first + two good ones
	dl := readDeadLetter(t, tg, "other-1")
	assert.Equal(t, reasonData, dl.reason)
	assert.Contains(t, dl.errText, "chk_code")
	lr := deadLetterRecord(t, dl.record)
	ai, ok := lr.Attributes().Get("higress.ai_log")
	require.True(t, ok)
	q, _ := ai.Map().Get("question")
	assert.Equal(t, "why", q.Str())
	rid, _ := lr.Attributes().Get("higress.request_id")
	assert.Equal(t, "other-1", rid.Str())
}

// deadLetterRecord reads the one record of a dead-letter row's OTLP JSON.
func deadLetterRecord(t *testing.T, record string) plog.LogRecord {
	t.Helper()
	ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs([]byte(record))
	require.NoError(t, err, "the record is OTLP JSON")
	require.Equal(t, 1, ld.LogRecordCount())
	return ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
}

// TestDeadLetterCutToFit: a refused record larger than half of
// max_allowed_packet (16 MiB on MariaDB 10.11) is cut to fit; its
// request_id and start time are in their own columns, and the error says
// how much was cut.
func TestDeadLetterCutToFit(t *testing.T) {
	tg := mariaTarget(t)
	exp, _ := startExporter(t, testConfig(tg, tg.dsn), nopSettings())
	require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(simpleEntries(1, "first")...)))
	tg.exec(t, "ALTER TABLE "+qualified(tg.database, "access_logs")+" ADD CONSTRAINT chk_code CHECK (response_code <> 999)")

	var packet int
	require.NoError(t, tg.admin.QueryRow("SELECT @@max_allowed_packet").Scan(&packet))
	big := simpleEntries(1, "big")[0]
	big["response_code"] = 999
	big["ai_log"] = map[string]any{"model": "qwen-max", "answer": strings.Repeat("A", packet*5/8)}
	require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(big)))

	dl := readDeadLetter(t, tg, "big-0")
	assert.Equal(t, reasonData, dl.reason)
	require.True(t, dl.startTime.Valid)
	assert.Contains(t, dl.startTime.String, "2026-03-01")
	assert.LessOrEqual(t, len(dl.record), packet/2)
	assert.True(t, strings.HasPrefix(dl.record, `{"resourceLogs":`))
	assert.Contains(t, dl.errText, "record cut from ")
}

// TestDeadLetterTableUnusable: a dead-letter table that refuses the row
// (here one of another layout, without the reason, request_id and
// start_time columns) does not hold the pipeline: the row is logged whole
// at error level and counted as dropped, the rest is written.
func TestDeadLetterTableUnusable(t *testing.T) {
	tg := mariaTarget(t)
	tg.exec(t, "CREATE TABLE "+qualified(tg.database, "access_logs_rejected")+` (
  id BIGINT NOT NULL AUTO_INCREMENT, record_uid VARCHAR(64) NULL, rejected_at TIMESTAMP(3) NULL,
  error TEXT NULL, record LONGTEXT NULL, PRIMARY KEY (id), UNIQUE KEY uk_record_uid (record_uid)
) DEFAULT CHARSET=utf8mb4`)
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { _ = tt.Shutdown(context.Background()) })
	set := metadatatest.NewSettings(tt)
	core, logs := observer.New(zap.WarnLevel)
	set.Logger = zap.New(core)
	exp, _ := startExporter(t, testConfig(tg, tg.dsn), set)
	require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(simpleEntries(1, "first")...)))
	tg.exec(t, "ALTER TABLE "+qualified(tg.database, "access_logs")+" ADD CONSTRAINT chk_code CHECK (response_code <> 999)")
	entries := simpleEntries(3, "old")
	entries[1]["response_code"] = 999
	require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(entries...)))

	assertExactlyOnce(t, tg, 3)
	assert.Zero(t, tg.count(t, "SELECT COUNT(*) FROM "+qualified(tg.database, "access_logs_rejected")))
	logged := logs.FilterMessageSnippet("the record is here in full").All()
	require.Len(t, logged, 1)
	assert.Contains(t, logged[0].ContextMap()["record"], "old-1")
	metadatatest.AssertEqualExporterMysqlaccesslogRowsDropped(t, tt, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("reason", reasonData))},
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}
