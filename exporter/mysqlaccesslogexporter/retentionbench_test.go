package mysqlaccesslogexporter

import (
	"context"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
)

// BenchmarkRetentionWhileIngesting is the cost of retention to the write
// path: benchNew rows are written (batches of 1000, one connection, the
// default index set) into a table that already holds benchOld rows past a
// 48 h retention, with retention off, with chunked deletes (the default
// chunk of 1000 rows and pause of 100 ms), and on a table partitioned by
// day, where the old rows are one partition dropped whole. Run
// interleaved:
//
//	go test ./exporter/mysqlaccesslogexporter -run '^$' -bench RetentionWhileIngesting -benchtime 1x -count 3
//
// Reported: ingest rows/s (wall) and the database server's CPU per 10k
// written rows over the ingest (deletes included), the slowest and 99th
// percentile INSERT statement, how long retention took to remove the old
// rows, and its slowest statement.
func BenchmarkRetentionWhileIngesting(b *testing.B) {
	for _, mode := range []string{"off", "chunks", "partitions"} {
		b.Run(mode, func(b *testing.B) {
			for range b.N {
				runRetentionWhileIngesting(b, mode)
			}
		})
	}
}

const benchOld, benchNew = 50_000, 150_000

func runRetentionWhileIngesting(b *testing.B, mode string) {
	b.StopTimer()
	tg := mariaTargetB(b)
	now := time.Now().UTC()
	cfg := testConfig(tg, tg.dsn)
	cfg.RetentionInterval = 100 * time.Millisecond
	if mode == "partitions" {
		_, err := tg.admin.Exec(createTableSQL(tg.database, "access_logs", tg.flavor, true, now.Add(-3*day), 4))
		require.NoError(b, err)
	}
	// The old rows, early in the day three days back (one partition), written
	// before retention starts.
	rng := rand.New(rand.NewPCG(3, 4))
	writer, err := NewFactory().CreateLogs(context.Background(), nopSettings(), cfg)
	require.NoError(b, err)
	require.NoError(b, writer.Start(context.Background(), componenttest.NewNopHost()))
	for start := 0; start < benchOld; start += 1000 {
		entries := make([]map[string]any, 0, 1000)
		for i := start; i < start+1000; i++ {
			entries = append(entries, benchEntry(rng, i, startOfDay(now).Add(-3*day).Add(time.Duration(i)*time.Second/10)))
		}
		require.NoError(b, writer.ConsumeLogs(context.Background(), entryLogs(entries...)))
	}
	require.NoError(b, writer.Shutdown(context.Background()))

	if mode != "off" {
		cfg.Retention = 48 * time.Hour
	}
	tt := componenttest.NewTelemetry()
	defer func() { _ = tt.Shutdown(context.Background()) }()
	set := nopSettings()
	set.TelemetrySettings = tt.NewTelemetrySettings()
	exp, err := NewFactory().CreateLogs(context.Background(), set, cfg)
	require.NoError(b, err)
	require.NoError(b, exp.Start(context.Background(), componenttest.NewNopHost()))
	defer func() { require.NoError(b, exp.Shutdown(context.Background())) }()

	tbl := qualified(tg.database, "access_logs")
	oldLeft := func() int {
		var n int
		require.NoError(b, tg.admin.QueryRow("SELECT COUNT(*) FROM "+tbl+" WHERE request_id LIKE 'ib-%' AND start_time < ?", now.Add(-day)).Scan(&n))
		return n
	}
	began := time.Now()
	var goneAfter time.Duration
	var wall time.Duration
	var latencies []time.Duration
	dbBefore := serverCPU()
	for start := benchOld; start < benchOld+benchNew; start += 1000 {
		entries := make([]map[string]any, 0, 1000)
		for i := start; i < start+1000; i++ {
			entries = append(entries, benchEntry(rng, i, time.Now()))
		}
		logs := entryLogs(entries...)
		t0 := time.Now()
		require.NoError(b, exp.ConsumeLogs(context.Background(), logs))
		d := time.Since(t0)
		wall += d
		latencies = append(latencies, d)
		if mode != "off" && goneAfter == 0 && (start/1000)%5 == 0 && oldLeft() == 0 {
			goneAfter = time.Since(began)
		}
	}
	dbCPU := serverCPU() - dbBefore
	if mode != "off" && goneAfter == 0 {
		deadline := time.Now().Add(5 * time.Minute)
		for oldLeft() > 0 {
			require.True(b, time.Now().Before(deadline), "retention did not finish")
			time.Sleep(100 * time.Millisecond)
		}
		goneAfter = time.Since(began)
	}
	slices.Sort(latencies)
	b.ReportMetric(float64(benchNew)/wall.Seconds(), "rows/s")
	if dbBefore > 0 {
		b.ReportMetric(dbCPU.Seconds()/float64(benchNew)*10000, "db-cpu-s/10k-rows")
	}
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "batch-p99-ms")
	b.ReportMetric(float64(latencies[len(latencies)-1].Microseconds())/1000, "batch-max-ms")
	if mode != "off" {
		b.ReportMetric(goneAfter.Seconds(), "old-gone-s")
		if m, err := tt.GetMetric(metricPrefix + "retention_statement_duration"); err == nil {
			var largest float64
			var count uint64
			for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
				count += dp.Count
				if v, ok := dp.Max.Value(); ok {
					largest = max(largest, v)
				}
			}
			b.ReportMetric(largest*1000, "stmt-max-ms")
			b.ReportMetric(float64(count), "stmts")
		}
	}
}

// BenchmarkPartitionExistingTable times the README's one-off ALTER TABLE
// that partitions an existing table (init.sql's TIMESTAMP DDL, with the
// exporter's columns and indexes) of INDEXBENCH_ROWS rows (default
// 200 000 rows over a day): the table copy an operator plans a quiet hour
// for.
func BenchmarkPartitionExistingTable(b *testing.B) {
	rows := 200_000
	if v, err := strconv.Atoi(os.Getenv("INDEXBENCH_ROWS")); err == nil && v > 0 {
		rows = v
	}
	readme, err := os.ReadFile("../../docs/table-lifecycle.md")
	require.NoError(b, err)
	m := regexp.MustCompile("(?s)<!-- alter:timestamp -->\\s*```sql\\n(.*?)```").FindSubmatch(readme)
	require.NotNil(b, m)
	for range b.N {
		b.StopTimer()
		tg := mariaTargetB(b)
		for _, stmt := range mysqltest.PublishedDDL(mysqltest.DDLPOCAutoCreate, qualified(tg.database, "access_logs")) {
			_, err = tg.admin.Exec(stmt)
			require.NoError(b, err)
		}
		cfg := testConfig(tg, tg.dsn)
		exp, err := NewFactory().CreateLogs(context.Background(), nopSettings(), cfg)
		require.NoError(b, err)
		require.NoError(b, exp.Start(context.Background(), componenttest.NewNopHost()))
		rng := rand.New(rand.NewPCG(5, 6))
		step := 24 * time.Hour / time.Duration(rows)
		for start := 0; start < rows; start += 1000 {
			entries := make([]map[string]any, 0, 1000)
			for i := start; i < min(start+1000, rows); i++ {
				entries = append(entries, benchEntry(rng, i, benchEnd.Add(-24*time.Hour+time.Duration(i)*step)))
			}
			require.NoError(b, exp.ConsumeLogs(context.Background(), entryLogs(entries...)))
		}
		require.NoError(b, exp.Shutdown(context.Background()))
		alter := strings.Replace(string(m[1]), "ALTER TABLE access_logs", "ALTER TABLE "+qualified(tg.database, "access_logs"), 1)
		begin := time.Now()
		_, err = tg.admin.Exec(alter)
		require.NoError(b, err)
		took := time.Since(begin)
		b.ReportMetric(took.Seconds(), "alter-s")
		b.ReportMetric(took.Seconds()/float64(rows)*1e6, "s/million-rows")
	}
}
