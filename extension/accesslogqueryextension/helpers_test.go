package accesslogqueryextension

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"github.com/go-sql-driver/mysql"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"
	"github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension/internal/metadata"
	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
	"github.com/otelcol-higress/otelcol-higress/processor/ailogprocessor"
	"github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"
)

// target is a database server the tests read and write.
type target struct {
	name     string
	dsn      string // server DSN, no database
	database string
	admin    *sql.DB // session time zone UTC
	gms      bool
}

// dsnWithDatabase names the target's database in its DSN, the one way
// the exporter takes it.
func (tg *target) dsnWithDatabase() string {
	cfg, err := mysql.ParseDSN(tg.dsn)
	if err != nil {
		panic(err)
	}
	cfg.DBName = tg.database
	return cfg.FormatDSN()
}

func mariaTarget(t *testing.T) *target {
	d := mysqltest.NewDatabase(t)
	return &target{name: "mariadb", dsn: d.ServerDSN, database: d.Name, admin: d.DB}
}

// gmsTarget is the in-process go-mysql-server (MySQL 8 dialect).
func gmsTarget(t *testing.T) *target {
	s, err := mysqltest.StartMemory("127.0.0.1:0", "higress")
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	admin, err := sql.Open("mysql", s.DSN()+"?parseTime=true&time_zone=%27%2B00%3A00%27")
	require.NoError(t, err)
	t.Cleanup(func() { _ = admin.Close() })
	return &target{name: "gms", dsn: s.DSN(), database: "higress", admin: admin, gms: true}
}

// tidbTarget is a fresh database on this test binary's tidb-server
// (internal/mysqltest: skipped without one, unless CI is set).
func tidbTarget(t *testing.T) *target {
	d := mysqltest.NewTiDBDatabase(t)
	return &target{name: "tidb", dsn: d.ServerDSN, database: d.Name, admin: d.DB}
}

// eachTarget runs fn against MariaDB, go-mysql-server (the MySQL 8
// dialect) and TiDB.
func eachTarget(t *testing.T, fn func(t *testing.T, tg *target)) {
	t.Run("mariadb", func(t *testing.T) { fn(t, mariaTarget(t)) })
	t.Run("gms", func(t *testing.T) { fn(t, gmsTarget(t)) })
	t.Run("tidb", func(t *testing.T) { fn(t, tidbTarget(t)) })
}

func (tg *target) exec(t *testing.T, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		_, err := tg.admin.Exec(s)
		require.NoError(t, err, s)
	}
}

func (tg *target) table(name string) string { return qualified(tg.database, name) }

// The published DDLs (internal/mysqltest) a table is created from; "" is
// the exporter's own.
var ddlFiles = []string{"", mysqltest.DDLInitSQL, mysqltest.DDLReadmeDatetime, mysqltest.DDLDocsBigint}

// createFromDDL runs a published DDL for table in tg's database.
func createFromDDL(t *testing.T, tg *target, name, table string) {
	tg.exec(t, mysqltest.PublishedDDL(name, tg.table(table))...)
}

// writer is the collector's own write path: higresslog → ailog →
// mysqlaccesslog, configured the way a user configures them. POSTs return
// once the rows are committed (no sending queue).
type writer struct {
	url string
}

func startWriter(t *testing.T, tg *target, table string) *writer {
	t.Helper()
	ctx := context.Background()
	ef := mysqlaccesslogexporter.NewFactory()
	ecfg := ef.CreateDefaultConfig()
	settings := map[string]any{
		"dsn": tg.dsnWithDatabase(), "table": table, "create_schema": true,
		"sending_queue":    map[string]any{"enabled": false},
		"retry_on_failure": map[string]any{"initial_interval": "10ms", "max_interval": "100ms"},
	}
	require.NoError(t, confmap.NewFromStringMap(settings).Unmarshal(ecfg))
	exp, err := ef.CreateLogs(ctx, exportertest.NewNopSettings(ef.Type()), ecfg)
	require.NoError(t, err)
	startComponent(t, exp)

	pf := ailogprocessor.NewFactory()
	proc, err := pf.CreateLogs(ctx, processortest.NewNopSettings(pf.Type()), pf.CreateDefaultConfig(), exp)
	require.NoError(t, err)
	startComponent(t, proc)

	rf := higresslogreceiver.NewFactory()
	rcfg := rf.CreateDefaultConfig()
	addr := freeAddr(t)
	// A POST waits for the write, which on a loaded CI machine (TiDB
	// creating the table) can outlast confighttp's 30 s write_timeout.
	require.NoError(t, confmap.NewFromStringMap(map[string]any{"endpoint": addr, "write_timeout": "5m"}).Unmarshal(rcfg))
	rcv, err := rf.CreateLogs(ctx, receivertest.NewNopSettings(rf.Type()), rcfg, consumer.Logs(proc))
	require.NoError(t, err)
	startComponent(t, rcv)
	return &writer{url: "http://" + addr + "/ingest"}
}

func startComponent(t *testing.T, c component.Component) {
	t.Helper()
	require.NoError(t, c.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, c.Shutdown(context.Background())) })
}

// post sends db-log-pusher entries as one JSON array and waits for the
// pipeline to have written them.
func (w *writer) post(t *testing.T, entries ...map[string]any) {
	t.Helper()
	body, err := json.Marshal(entries)
	require.NoError(t, err)
	resp, err := http.Post(w.url, "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// testConfig reads table on tg.
func testConfig(tg *target, table string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = "127.0.0.1:0"
	cfg.MySQL.DSN = configopaque.String(tg.dsnWithDatabase())
	cfg.Table = table
	// Only a hang should reach it: under -race on a loaded CI machine the
	// in-process server, which runs one statement at a time, can take
	// seconds for /tail's first look at the table (a 504 otherwise).
	cfg.QueryTimeout = time.Minute
	cfg.Tail.PollInterval = 50 * time.Millisecond
	return cfg
}

// startQuery starts the extension with cfg under host (nil: no extensions).
func startQuery(t *testing.T, cfg *Config, host component.Host) *queryExtension {
	t.Helper()
	require.NoError(t, cfg.Validate())
	ext, err := NewFactory().Create(context.Background(), extensionSettings(), cfg)
	require.NoError(t, err)
	if host == nil {
		host = nopHost()
	}
	require.NoError(t, ext.Start(context.Background(), host))
	t.Cleanup(func() { require.NoError(t, ext.Shutdown(context.Background())) })
	return ext.(*queryExtension)
}

func (e *queryExtension) url(path string) string { return "http://" + e.addr.String() + path }

// apiResponse is a decoded JSON answer (numbers as json.Number).
type apiResponse struct {
	code int
	body map[string]any
	raw  string
}

func get(t *testing.T, url string, header ...string) apiResponse {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(resp.Body)
	require.NoError(t, err)
	out := apiResponse{code: resp.StatusCode, raw: buf.String()}
	dec := json.NewDecoder(&buf)
	dec.UseNumber()
	_ = dec.Decode(&out.body)
	return out
}

// logs are the response's logs.
func (r apiResponse) logs(t *testing.T) []map[string]any {
	t.Helper()
	require.Equal(t, http.StatusOK, r.code, r.raw)
	require.Equal(t, "success", r.body["status"], r.raw)
	list, ok := r.body["logs"].([]any)
	require.True(t, ok, r.raw)
	out := make([]map[string]any, len(list))
	for i, l := range list {
		out[i] = l.(map[string]any)
	}
	return out
}

// idCol is the primary key's key in a log.
var idCol = accesslog.PrimaryKeyColumn

func ids(t *testing.T, logs []map[string]any) []int64 {
	out := make([]int64, len(logs))
	for i, l := range logs {
		n, err := l[idCol].(json.Number).Int64()
		require.NoError(t, err)
		out[i] = n
	}
	return out
}

func extensionSettings() extension.Settings { return extensiontest.NewNopSettings(metadata.Type) }

func nopHost() component.Host { return componenttest.NewNopHost() }
