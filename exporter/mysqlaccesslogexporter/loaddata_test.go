package mysqlaccesslogexporter

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter/internal/metadatatest"
)

// TestLoadData: insert_method load_data writes the same rows as INSERT
// (NULLs, JSON, escapes, UTC times), and a redelivery is absorbed.
func TestLoadData(t *testing.T) {
	tg := mariaTarget(t)
	cfg := testConfig(tg, tg.dsn)
	cfg.InsertMethod = InsertMethodLoadData
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { _ = tt.Shutdown(context.Background()) })
	exp, _ := startExporter(t, cfg, metadatatest.NewSettings(tt))
	entry := fullEntry()
	entry["user_agent"] = "tab\there\nnewline \\N backslash"
	entry["trace_id"] = ""
	logs := entryLogs(append(simpleEntries(50, "ld"), entry)...)
	require.NoError(t, exp.ConsumeLogs(context.Background(), logs))
	require.NoError(t, exp.ConsumeLogs(context.Background(), logs))
	assertExactlyOnce(t, tg, 51)

	got := readRow(t, tg, "access_logs", "req-full")
	assert.Equal(t, "2026-03-01T02:00:05Z", *got["start_time"])
	assert.Equal(t, entry["user_agent"], *got["user_agent"])
	assert.Nil(t, got["trace_id"])
	jsonEqual(t, entry["ai_log"].(string), got["ai_log"])
	assert.Equal(t, "30", *got["total_tokens"])
	// Written by LOAD DATA (not the INSERT fallback), each row counted once.
	metadatatest.AssertEqualExporterMysqlaccesslogRowsWritten(t, tt, []metricdata.DataPoint[int64]{
		{Value: 51, Attributes: attribute.NewSet(attribute.String("method", methodLoadData))},
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}

// TestLoadDataFallsBack: in auto mode a server without LOAD DATA LOCAL
// (go-mysql-server here) is written with INSERT.
func TestLoadDataAutoFallsBack(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		cfg := testConfig(tg, tg.dsn)
		cfg.InsertMethod = InsertMethodAuto
		exp, _ := startExporter(t, cfg, nopSettings())
		require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(simpleEntries(20, "auto")...)))
		assertExactlyOnce(t, tg, 20)
	})
}

// TestLoadDataRefused: insert_method load_data on a server without LOAD
// DATA LOCAL never reports success for rows it did not write.
func TestLoadDataRefused(t *testing.T) {
	tg := gmsTarget(t)
	cfg := testConfig(tg, tg.dsn)
	cfg.InsertMethod = InsertMethodLoadData
	cfg.BackOffConfig.Enabled = false
	exp, _ := startExporter(t, cfg, nopSettings())
	err := exp.ConsumeLogs(context.Background(), entryLogs(simpleEntries(3, "refused")...))
	require.Error(t, err)
	assert.Equal(t, 0, tg.count(t, "SELECT COUNT(*) FROM "+qualified(tg.database, "access_logs")))
}

// TestEncodeTSV pins the LOAD DATA text of each value type.
func TestEncodeTSV(t *testing.T) {
	at := time.Date(2026, 3, 1, 2, 0, 5, 120_000_000, time.FixedZone("", 8*3600))
	rows := []row{
		{values: []any{nil, "tab\there\nnl\r\\ \x00", int64(-42), 0.25, at, true}},
		{values: []any{"s", int64(1 << 40), 1e21, at.Truncate(time.Second), "", nil}},
	}
	for i := range rows {
		for _, v := range rows[i].values {
			rows[i].size += valueSize(v)
		}
	}
	assert.Equal(t, "\\N\ttab\\there\\nnl\\r\\\\ \\0\t-42\t0.25\t2026-02-28 18:00:05.12\ttrue\n"+
		"s\t1099511627776\t1000000000000000000000\t2026-02-28 18:00:05\t\t\\N\n", string(encodeTSV(rows)))
}
