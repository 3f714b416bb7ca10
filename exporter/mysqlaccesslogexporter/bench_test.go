package mysqlaccesslogexporter

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
	"github.com/otelcol-higress/otelcol-higress/internal/cpubench"
	"github.com/otelcol-higress/otelcol-higress/internal/mysqlconn"
)

// BenchmarkWrite measures rows/s into MariaDB for batches of full rows
// (every column, ai_log object) around the queue's default batch size.
func BenchmarkWrite(b *testing.B) {
	for _, batch := range []int{100, 1000, 5000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			tg := mariaTargetB(b)
			cfg := testConfig(tg, tg.dsn)
			exp, err := NewFactory().CreateLogs(context.Background(), nopSettings(), cfg)
			require.NoError(b, err)
			require.NoError(b, exp.Start(context.Background(), &statusHost{}))
			defer func() { require.NoError(b, exp.Shutdown(context.Background())) }()
			// Warm up: schema setup is not part of the measurement.
			require.NoError(b, exp.ConsumeLogs(context.Background(), entryLogs(simpleEntries(1, "warm")...)))

			entries := make([]map[string]any, batch)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				for j := range entries {
					e := fullEntry()
					e["request_id"] = fmt.Sprintf("b%d-%d", i, j)
					entries[j] = e
				}
				logs := entryLogs(entries...)
				b.StartTimer()
				require.NoError(b, exp.ConsumeLogs(context.Background(), logs))
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkMapRows is the map stage: records (as the ailog processor
// hands them over) → row values through the field table, without the
// database: "varchar" with every column a VARCHAR(255), "ddl" with the
// column types of the exporter's own DDL as MariaDB reports them
// (TIMESTAMP(3), INT/BIGINT, VARCHAR(n) utf8mb4, JSON as LONGTEXT): the
// production mapping.
func BenchmarkMapRows(b *testing.B) {
	varchars := map[string]liveColumn{}
	for _, f := range schemaFields() {
		varchars[f.Column] = liveColumn{Name: f.Column, DataType: "varchar", ColumnType: "varchar(255)", Nullable: true}
	}
	for _, tc := range []struct {
		name string
		live map[string]liveColumn
	}{{"varchar", varchars}, {"ddl", ddlLiveColumns()}} {
		b.Run(tc.name, func(b *testing.B) {
			cols := writableColumns(tc.live)
			const batch = 1000
			logs := productionLogs(b, batch)
			b.ReportAllocs()
			b.ResetTimer()
			m := cpubench.Start()
			for b.Loop() {
				newMapper(cols).mapLogs(logs)
			}
			m.Report(b, b.N*batch)
		})
	}
}

// BenchmarkInsert is the insert stage: 1000 mapped rows written into
// MariaDB (writeRows: the rows in statements, for each the argument list,
// the statement text, the driver interpolating the values, the round
// trip). Its cpu-µs/record is this process, the collector's share;
// db-cpu-µs/record is the server process's (read from /proc when it runs
// on this machine; other clients of the same server count there too),
// db-session-cpu-µs/record the server thread of our one connection only.
func BenchmarkInsert(b *testing.B) {
	tg := mariaTargetB(b)
	e, err := newExporter(nopSettings(), testConfig(tg, tg.dsn))
	require.NoError(b, err)
	require.NoError(b, e.start(context.Background(), &statusHost{}))
	defer func() { require.NoError(b, e.shutdown(context.Background())) }()
	st, err := e.ensure(context.Background())
	require.NoError(b, err)
	const batch = 1000
	rows := newMapper(st.cols).mapLogs(productionLogs(b, batch))
	at := slices.IndexFunc(st.cols, func(c column) bool { return c.field == &accesslog.RecordUID })
	require.GreaterOrEqual(b, at, 0)
	b.ReportAllocs()
	b.ResetTimer()
	session := sessionCPU(b, e.db)
	m, server := cpubench.Start(), serverCPU()
	for i := 0; b.Loop(); i++ {
		// New keys each time: rows are inserted, not absorbed as duplicates.
		m.Pause()
		for j := range rows {
			rows[j].values[at] = "bench-" + strconv.Itoa(i) + "-" + strconv.Itoa(j)
		}
		m.Resume()
		unwritten, err := e.writeRows(context.Background(), st, rows)
		require.NoError(b, err)
		require.Empty(b, unwritten)
	}
	m.Report(b, b.N*batch)
	if server > 0 {
		b.ReportMetric(float64(serverCPU()-server)/float64(time.Microsecond)/float64(b.N*batch), "db-cpu-µs/record")
	}
	if session != nil {
		b.ReportMetric(float64(session())/float64(time.Microsecond)/float64(b.N*batch), "db-session-cpu-µs/record")
	}
}

// BenchmarkPush is the map and insert stages together: the exporter
// writing batches of 1000 production records (after the ailog processor)
// into MariaDB through the factory (no queue). The database's own CPU is
// another process and is not counted.
func BenchmarkPush(b *testing.B) {
	tg := mariaTargetB(b)
	cfg := testConfig(tg, tg.dsn)
	exp, err := NewFactory().CreateLogs(context.Background(), nopSettings(), cfg)
	require.NoError(b, err)
	require.NoError(b, exp.Start(context.Background(), &statusHost{}))
	defer func() { require.NoError(b, exp.Shutdown(context.Background())) }()
	require.NoError(b, exp.ConsumeLogs(context.Background(), entryLogs(simpleEntries(1, "warm")...)))
	const batch = 1000
	logs := productionLogs(b, batch)
	b.ReportAllocs()
	b.ResetTimer()
	m := cpubench.Start()
	for b.Loop() {
		b.StopTimer()
		m.Pause()
		ld := plog.NewLogs()
		logs.CopyTo(ld)
		for _, lr := range allRecords(ld) {
			lr.Attributes().PutStr(accesslog.AttrRecordUID, uuid.NewString())
		}
		// The copy's garbage is collected here, not during the push.
		runtime.GC()
		m.Resume()
		b.StartTimer()
		require.NoError(b, exp.ConsumeLogs(context.Background(), ld))
	}
	m.Report(b, b.N*batch)
}

// allRecords lists the log records of ld.
func allRecords(ld plog.Logs) []plog.LogRecord {
	var out []plog.LogRecord
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		sls := ld.ResourceLogs().At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			for k := 0; k < sls.At(j).LogRecords().Len(); k++ {
				out = append(out, sls.At(j).LogRecords().At(k))
			}
		}
	}
	return out
}

// ddlLiveColumns is information_schema on MariaDB for createTableSQL.
func ddlLiveColumns() map[string]liveColumn {
	live := map[string]liveColumn{}
	for _, f := range schemaFields() {
		lc := liveColumn{Name: f.Column, Nullable: true, Charset: "utf8mb4"}
		typ := strings.ToLower(strings.Fields(f.SQLType)[0])
		if n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(typ, "varchar("), ")")); err == nil {
			lc.MaxChars = sql.NullInt64{Int64: int64(n), Valid: true}
			lc.MaxBytes = sql.NullInt64{Int64: 4 * int64(n), Valid: true}
			typ = "varchar"
		}
		switch typ {
		case "timestamp(3)":
			typ, lc.FracSecs = "timestamp", 3
		case "json":
			typ = "longtext"
			lc.MaxChars = sql.NullInt64{Int64: 1<<32 - 1, Valid: true}
			lc.MaxBytes = lc.MaxChars
		}
		lc.DataType, lc.ColumnType, lc.Class = typ, typ, mysqlconn.Classify(typ)
		live[f.Column] = lc
	}
	return live
}
