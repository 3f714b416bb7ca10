package mysqlaccesslogexporter

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter/internal/metadatatest"
	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// fullEntry has every access_logs column, as the ailog processor leaves
// it (column attributes filled), with start_time at +08:00 and ai_log sent
// as an escaped JSON string.
func fullEntry() map[string]any {
	return map[string]any{
		"start_time":                        "2026-03-01T10:00:05+08:00",
		"trace_id":                          "4bf92f3577b34da6a3ce929d0e0e4736",
		"authority":                         "api.example.com",
		"method":                            "POST",
		"path":                              "/v1/chat/completions?stream=true",
		"protocol":                          "HTTP/1.1",
		"request_id":                        "req-full",
		"user_agent":                        "curl/8.5 🚀",
		"x_forwarded_for":                   "10.0.0.1",
		"response_code":                     200,
		"response_flags":                    "-",
		"response_code_details":             "via_upstream",
		"bytes_received":                    321,
		"bytes_sent":                        4567,
		"duration":                          1234,
		"upstream_cluster":                  "outbound|443||qwen.dns",
		"upstream_host":                     "1.2.3.4:443",
		"upstream_service_time":             "1200",
		"upstream_transport_failure_reason": "none",
		"upstream_local_address":            "10.0.0.2:5555",
		"downstream_local_address":          "10.0.0.3:8080",
		"downstream_remote_address":         "10.0.0.1:40000",
		"route_name":                        "ai-route-qwen",
		"requested_server_name":             "api.example.com",
		"istio_policy_status":               "ok",
		"ai_log":                            `{"model":"qwen-max","input_token":"10","output_token":20,"cache_status":"hit","safecheck_status":"reqeust deny"}`,
		"instance_id":                       "gw-1",
		"api":                               "chat-api",
		"model":                             "qwen-max",
		"consumer":                          "alice",
		"route":                             "ai-route-qwen",
		"service":                           "qwen.dns",
		"mcp_server":                        "weather",
		"mcp_tool":                          "get_forecast",
		"input_tokens":                      10,
		"output_tokens":                     20,
		"total_tokens":                      30,
		"cached_tokens":                     4,
		"reasoning_tokens":                  6,
		"cost":                              "0.0125",
	}
}

// TestFullEntryRoundTrip writes a complete entry and reads every column
// back, on a server whose time zone is not UTC.
func TestFullEntryRoundTrip(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		setGlobalTimeZone(t, tg, "+05:00")
		exp, _ := startExporter(t, testConfig(tg, tg.dsn), nopSettings())
		entry := fullEntry()
		require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(entry)))

		got := readRow(t, tg, "access_logs", "req-full")
		// +08:00 10:00:05 is 02:00:05 UTC whatever the server's zone.
		require.NotNil(t, got["start_time"])
		assert.Contains(t, *got["start_time"], "2026-03-01")
		assert.Contains(t, *got["start_time"], "02:00:05")
		assert.Equal(t, 1, tg.count(t, "SELECT COUNT(*) FROM "+qualified(tg.database, "access_logs")+
			" WHERE UNIX_TIMESTAMP(start_time) = 1772330405"))
		for _, f := range accesslog.Fields {
			if f.Column == "" || f.SQLType == "" || f.Column == "start_time" {
				continue
			}
			want, sent := entry[f.JSON]
			require.True(t, sent, f.JSON)
			if f.Column == "ai_log" {
				jsonEqual(t, want.(string), got["ai_log"])
				continue
			}
			require.NotNil(t, got[f.Column], f.Column)
			assert.Equal(t, strings.TrimSpace(toText(want)), *got[f.Column], f.Column)
		}
		require.NotNil(t, got["record_uid"])
		// An escaped ai_log is stored as an object HiMarket reads with
		// JSON_UNQUOTE(JSON_EXTRACT(ai_log, '$.key')) behind JSON_VALID.
		assert.Equal(t, 1, tg.count(t, "SELECT COUNT(*) FROM "+qualified(tg.database, "access_logs")+
			" WHERE JSON_VALID(ai_log) AND JSON_UNQUOTE(JSON_EXTRACT(ai_log, '$.model')) = 'qwen-max'"+
			" AND JSON_UNQUOTE(JSON_EXTRACT(ai_log, '$.cache_status')) = 'hit'"))
	})
}

// TestEmptyStringsAreNull: ” is written as NULL, as HiMarket filters with
// IS NOT NULL; null / {} / invalid ai_log is NULL too.
func TestEmptyStringsAreNull(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		exp, _ := startExporter(t, testConfig(tg, tg.dsn), nopSettings())
		entries := []map[string]any{
			{"request_id": "empty", "trace_id": "", "model": "", "consumer": "", "mcp_tool": "", "instance_id": "", "ai_log": "{}"},
			{"request_id": "nullai", "ai_log": "null"},
			{"request_id": "badai", "ai_log": "{not json"},
			{"request_id": "garbage-int", "response_code": "abc", "duration": "12"},
		}
		require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(entries...)))
		got := readRow(t, tg, "access_logs", "empty")
		for _, c := range []string{"trace_id", "model", "consumer", "mcp_tool", "instance_id", "ai_log"} {
			assert.Nil(t, got[c], c)
		}
		assert.Nil(t, readRow(t, tg, "access_logs", "nullai")["ai_log"])
		assert.Nil(t, readRow(t, tg, "access_logs", "badai")["ai_log"])
		g := readRow(t, tg, "access_logs", "garbage-int")
		assert.Nil(t, g["response_code"])
		require.NotNil(t, g["duration"])
		assert.Equal(t, "12", *g["duration"])
	})
}

// TestTruncateAndRepair: values longer than the live column are cut to
// its width in characters, invalid UTF-8 is repaired, nothing is refused.
func TestTruncateAndRepair(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		tg.exec(t, "CREATE DATABASE IF NOT EXISTS "+accesslog.QuoteIdent(tg.database),
			"CREATE TABLE "+qualified(tg.database, "access_logs")+
				" (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, start_time TIMESTAMP NULL, request_id VARCHAR(64), method VARCHAR(4), path VARCHAR(10), user_agent TEXT) DEFAULT CHARSET=utf8mb4")
		cfg := testConfig(tg, tg.dsn)
		tt := componenttest.NewTelemetry()
		t.Cleanup(func() { _ = tt.Shutdown(context.Background()) })
		exp, _ := startExporter(t, cfg, metadatatest.NewSettings(tt))
		require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(map[string]any{
			"request_id": "long", "method": "OPTIONS", "path": "/路径/路径/路径/路径", "user_agent": "bad \xff\xfe utf8",
		})))
		got := readRow(t, tg, "access_logs", "long")
		assert.Equal(t, "OPTI", *got["method"])
		assert.Equal(t, "/路径/路径/路径/", *got["path"])
		assert.Equal(t, "bad \uFFFD utf8", *got["user_agent"])
		metadatatest.AssertEqualExporterMysqlaccesslogRowsTruncated(t, tt, []metricdata.DataPoint[int64]{
			{Value: 1, Attributes: attribute.NewSet(attribute.String("column", "method"))},
			{Value: 1, Attributes: attribute.NewSet(attribute.String("column", "path"))},
		}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
		// The missing columns were added (create_schema), each counted.
		got2, err := tt.GetMetric("otelcol_exporter_mysqlaccesslog_schema_actions")
		require.NoError(t, err)
		assert.NotEmpty(t, got2.Data.(metricdata.Sum[int64]).DataPoints)
	})
}

func toText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	}
	return ""
}

// setGlobalTimeZone moves the server's default zone away from UTC for the
// test: a session that did not set its own zone would shift TIMESTAMPs.
func setGlobalTimeZone(t *testing.T, tg *target, tz string) {
	var old string
	require.NoError(t, tg.admin.QueryRow("SELECT @@GLOBAL.time_zone").Scan(&old))
	tg.exec(t, "SET GLOBAL time_zone = '"+tz+"'")
	t.Cleanup(func() { _, _ = tg.admin.Exec("SET GLOBAL time_zone = ?", old) })
}

// TestChunksFollowMaxAllowedPacket: statements are cut to the server's
// max_allowed_packet (a small one here), every row lands, none is refused.
func TestChunksFollowMaxAllowedPacket(t *testing.T) {
	tg := gmsTarget(t)
	var old int64
	require.NoError(t, tg.admin.QueryRow("SELECT @@GLOBAL.max_allowed_packet").Scan(&old))
	tg.exec(t, "SET GLOBAL max_allowed_packet = 65536")
	t.Cleanup(func() { _, _ = tg.admin.Exec("SET GLOBAL max_allowed_packet = ?", old) })

	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { _ = tt.Shutdown(context.Background()) })
	exp, _ := startExporter(t, testConfig(tg, tg.dsn), metadatatest.NewSettings(tt))
	entries := simpleEntries(200, "pkt")
	for _, e := range entries {
		e["user_agent"] = strings.Repeat("agent ", 150) // ~900 bytes per row
	}
	require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(entries...)))
	assertExactlyOnce(t, tg, 200)

	got, err := tt.GetMetric("otelcol_exporter_mysqlaccesslog_batch_rows")
	require.NoError(t, err)
	dp := got.Data.(metricdata.Histogram[int64]).DataPoints[0]
	assert.Equal(t, int64(200), dp.Sum)
	assert.Greater(t, dp.Count, uint64(3), "several statements under 64 KiB each")
	_, err = tt.GetMetric("otelcol_exporter_mysqlaccesslog_rows_rejected")
	assert.Error(t, err, "nothing refused")
}

// TestRowLargerThanPacket: a row that cannot fit in one packet never blocks
// the batch: it is written (the driver streams long values) or it is in the
// dead-letter table; the other rows land either way.
func TestRowLargerThanPacket(t *testing.T) {
	tg := gmsTarget(t)
	var old int64
	require.NoError(t, tg.admin.QueryRow("SELECT @@GLOBAL.max_allowed_packet").Scan(&old))
	tg.exec(t, "SET GLOBAL max_allowed_packet = 65536")
	t.Cleanup(func() { _, _ = tg.admin.Exec("SET GLOBAL max_allowed_packet = ?", old) })

	exp, _ := startExporter(t, testConfig(tg, tg.dsn), nopSettings())
	entries := simpleEntries(5, "big")
	entries[2]["ai_log"] = map[string]any{"model": "m", "answer": strings.Repeat("x", 200_000)}
	require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(entries...)))
	written := tg.count(t, "SELECT COUNT(*) FROM "+qualified(tg.database, "access_logs"))
	rejected := tg.count(t, "SELECT COUNT(*) FROM "+qualified(tg.database, "access_logs_rejected"))
	assert.Equal(t, 5, written+rejected)
	assert.GreaterOrEqual(t, written, 4)
}
