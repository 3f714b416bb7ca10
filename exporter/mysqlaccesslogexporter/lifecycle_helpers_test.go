package mysqlaccesslogexporter

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter/internal/metadatatest"
	"github.com/otelcol-higress/otelcol-higress/internal/mysqlconn"
)

// lifecycleConfig is testConfig with maintenance passes every 50 ms,
// tiny chunks and short pauses, so that a pass is many statements and
// tests stay fast.
func lifecycleConfig(tg *target, dsn string, retention time.Duration) *Config {
	cfg := testConfig(tg, dsn)
	cfg.Retention = retention
	cfg.RetentionInterval = 50 * time.Millisecond
	cfg.RetentionChunkRows = 7
	cfg.RetentionChunkPause = time.Millisecond
	return cfg
}

// withTelemetry is exporter settings whose metrics the test reads.
func withTelemetry(t *testing.T) (*componenttest.Telemetry, exporter.Settings) {
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { _ = tt.Shutdown(context.Background()) })
	return tt, metadatatest.NewSettings(tt)
}

const metricPrefix = "otelcol_exporter_mysqlaccesslog_"

// counter sums the data points of a sum metric whose attribute key has
// value (every point when key is "").
func counter(t *testing.T, tt *componenttest.Telemetry, name, key, value string) int64 {
	t.Helper()
	m, err := tt.GetMetric(metricPrefix + name)
	if err != nil {
		return 0 // not recorded yet
	}
	var n int64
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		if v, ok := dp.Attributes.Value(attribute.Key(key)); key == "" || (ok && v.AsString() == value) {
			n += dp.Value
		}
	}
	return n
}

// gauge is the last value of a gauge for the attribute value (ok false
// when none was recorded).
func gauge(t *testing.T, tt *componenttest.Telemetry, name, key, value string) (int64, bool) {
	t.Helper()
	m, err := tt.GetMetric(metricPrefix + name)
	if err != nil {
		return 0, false
	}
	for _, dp := range m.Data.(metricdata.Gauge[int64]).DataPoints {
		if v, ok := dp.Attributes.Value(attribute.Key(key)); ok && v.AsString() == value {
			return dp.Value, true
		}
	}
	return 0, false
}

// histogram is the count and the largest value of a float histogram.
func histogram(t *testing.T, tt *componenttest.Telemetry, name string) (count uint64, largest float64) {
	t.Helper()
	m, err := tt.GetMetric(metricPrefix + name)
	require.NoError(t, err, name)
	for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
		count += dp.Count
		if v, ok := dp.Max.Value(); ok && v > largest {
			largest = v
		}
	}
	return count, largest
}

// entriesAt makes n small entries with the given start time.
func entriesAt(n int, prefix string, at time.Time) []map[string]any {
	out := simpleEntries(n, prefix)
	for _, e := range out {
		e["start_time"] = at.UTC().Format(time.RFC3339)
	}
	return out
}

// countLike counts the rows whose request_id starts with prefix-.
func countLike(t *testing.T, tg *target, table, prefix string) int {
	t.Helper()
	return tg.count(t, "SELECT COUNT(*) FROM "+qualified(tg.database, table)+" WHERE request_id LIKE ?", prefix+"-%")
}

// writeEntries writes entries through a short-lived exporter that is gone
// before its first maintenance pass (rows as a collector would have left
// them).
func writeEntries(t *testing.T, tg *target, cfg Config, batches ...[]map[string]any) {
	t.Helper()
	cfg.Retention, cfg.DeadLetterRetention, cfg.Partitioning = 0, 0, partitioningNone
	cfg.RetentionInterval = time.Hour
	exp, err := NewFactory().CreateLogs(context.Background(), nopSettings(), &cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(t, exp.Shutdown(context.Background())) }()
	for _, b := range batches {
		require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(b...)))
	}
}

// partitionNames lists the table's partitions in order.
func partitionNames(t *testing.T, tg *target, table string) []string {
	t.Helper()
	rows, err := tg.admin.Query(`SELECT PARTITION_NAME FROM information_schema.PARTITIONS
		WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND PARTITION_NAME IS NOT NULL ORDER BY PARTITION_ORDINAL_POSITION`, tg.database, table)
	require.NoError(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		out = append(out, n)
	}
	return out
}

// dayNames are the partition names of the days from..from+n-1.
func dayNames(from time.Time, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("p%s", startOfDay(from).Add(time.Duration(i)*day).Format("20060102")))
	}
	return out
}

// showCreate is the table's SHOW CREATE TABLE.
func showCreate(t *testing.T, tg *target, table string) string {
	t.Helper()
	var name, ddl string
	require.NoError(t, tg.admin.QueryRow("SHOW CREATE TABLE "+qualified(tg.database, table)).Scan(&name, &ddl))
	return ddl
}

// retentionApplied reports whether retention has dealt with the rows of
// prefix in table: deleted by chunked deletes, or — on TiDB with a time
// column — handed to TiDB's row TTL (the table has the TTL retention asks
// for; TiDB's TTL jobs then delete them on their own schedule, which no
// test waits for).
func retentionApplied(t *testing.T, tg *target, table, prefix string, cfg *Config, retention time.Duration) bool {
	t.Helper()
	if tg.flavor == mysqlconn.TiDB {
		var dataType string
		require.NoError(t, tg.admin.QueryRow("SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = 'start_time'",
			tg.database, table).Scan(&dataType))
		if !strings.EqualFold(dataType, "bigint") {
			return hasTTL(showCreate(t, tg, table), "start_time", ttlSeconds(retention), ttlJobInterval(cfg.RetentionInterval))
		}
	}
	return countLike(t, tg, table, prefix) == 0
}
