package mysqlaccesslogexporter

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter/internal/metadata"
	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
	"github.com/otelcol-higress/otelcol-higress/internal/mysqlconn"
	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
)

// target is a database server a test writes to.
type target struct {
	name     string
	dsn      string // server DSN, no database
	database string
	admin    *sql.DB // session time zone UTC
	gms      bool
	flavor   mysqlconn.Flavor
}

// mariaTarget is a fresh database on the machine's MariaDB (skips when
// none answers).
func mariaTarget(t *testing.T) *target {
	d := mysqltest.NewDatabase(t)
	return &target{name: "mariadb", dsn: d.ServerDSN, database: d.Name, admin: d.DB, flavor: mysqlconn.MariaDB}
}

// mariaTargetB is mariaTarget for benchmarks.
func mariaTargetB(b *testing.B) *target {
	d := mysqltest.NewDatabase(b)
	return &target{name: "mariadb", dsn: d.ServerDSN, database: d.Name, admin: d.DB, flavor: mysqlconn.MariaDB}
}

// tidbTarget is a fresh database on this test binary's tidb-server
// (internal/mysqltest: skipped without one, unless CI is set).
func tidbTarget(t *testing.T) *target {
	d := mysqltest.NewTiDBDatabase(t)
	return &target{name: "tidb", dsn: d.ServerDSN, database: d.Name, admin: d.DB, flavor: mysqlconn.TiDB}
}

// gmsTarget is an in-process go-mysql-server (MySQL 8 dialect) whose
// database does not exist yet: the exporter creates it.
func gmsTarget(t *testing.T) *target {
	s, err := mysqltest.StartMemory("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	admin, err := sql.Open("mysql", s.DSN()+"?parseTime=true")
	require.NoError(t, err)
	t.Cleanup(func() { _ = admin.Close() })
	return &target{name: "gms", dsn: s.DSN(), database: "higress", admin: admin, gms: true}
}

// eachTarget runs fn against MariaDB, go-mysql-server (the MySQL 8
// dialect) and TiDB.
func eachTarget(t *testing.T, fn func(t *testing.T, tg *target)) {
	t.Run("mariadb", func(t *testing.T) { fn(t, mariaTarget(t)) })
	t.Run("gms", func(t *testing.T) { fn(t, gmsTarget(t)) })
	t.Run("tidb", func(t *testing.T) { fn(t, tidbTarget(t)) })
}

// mysqlTargets runs fn against MariaDB and go-mysql-server: the servers
// with triggers, and where retention is always chunked deletes.
func mysqlTargets(t *testing.T, fn func(t *testing.T, tg *target)) {
	t.Run("mariadb", func(t *testing.T) { fn(t, mariaTarget(t)) })
	t.Run("gms", func(t *testing.T) { fn(t, gmsTarget(t)) })
}

// realTargets runs fn against the servers that keep every feature
// (partitions, concurrent writers): MariaDB and TiDB.
func realTargets(t *testing.T, fn func(t *testing.T, tg *target)) {
	t.Run("mariadb", func(t *testing.T) { fn(t, mariaTarget(t)) })
	t.Run("tidb", func(t *testing.T) { fn(t, tidbTarget(t)) })
}

// viaAddr points a target's DSN at another address (a proxy).
func (tg *target) viaAddr(t *testing.T, addr string) string {
	mc, err := mysql.ParseDSN(tg.dsn)
	require.NoError(t, err)
	mc.Addr = addr
	return mc.FormatDSN()
}

func (tg *target) exec(t *testing.T, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		_, err := tg.admin.Exec(s)
		require.NoError(t, err, s)
	}
}

func (tg *target) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, tg.admin.QueryRow(query, args...).Scan(&n), query)
	return n
}

// testConfig writes to tg with fast retries and no queue, so that
// ConsumeLogs returns once the data is in the database.
func testConfig(tg *target, dsn string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.DSN = configOpaque(withDatabase(dsn, tg.database))
	cfg.ConnectTimeout = 2 * time.Second
	cfg.BackOffConfig.InitialInterval = 10 * time.Millisecond
	cfg.BackOffConfig.MaxInterval = 100 * time.Millisecond
	cfg.BackOffConfig.MaxElapsedTime = 2 * time.Minute
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	if tg.gms {
		// One queue consumer, as config/local.yaml has for the embedded
		// dev database, and ConsumeLogs still waits for the write.
		q := exporterhelper.NewDefaultQueueConfig()
		q.NumConsumers = 1
		q.WaitForResult = true
		q.BlockOnOverflow = true
		q.Batch = configoptional.None[exporterhelper.BatchConfig]()
		cfg.QueueConfig = configoptional.Some(q)
	}
	return cfg
}

// withDatabase is a server DSN naming database.
func withDatabase(dsn, database string) string {
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		panic(err)
	}
	mc.DBName = database
	return mc.FormatDSN()
}

// statusHost records component status events.
type statusHost struct {
	component.Host
	mu     sync.Mutex
	events []componentstatus.Status
}

func (h *statusHost) Report(ev *componentstatus.Event) {
	h.mu.Lock()
	h.events = append(h.events, ev.Status())
	h.mu.Unlock()
}

func (h *statusHost) seen(s componentstatus.Status) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range h.events {
		if e == s {
			return true
		}
	}
	return false
}

// startExporter builds the full exporter (exporterhelper, retry) and starts it.
func startExporter(t *testing.T, cfg *Config, set exporter.Settings) (exporter.Logs, *statusHost) {
	t.Helper()
	require.NoError(t, cfg.Validate())
	exp, err := NewFactory().CreateLogs(context.Background(), set, cfg)
	require.NoError(t, err)
	host := &statusHost{Host: componenttest.NewNopHost()}
	require.NoError(t, exp.Start(context.Background(), host))
	t.Cleanup(func() { require.NoError(t, exp.Shutdown(context.Background())) })
	return exp, host
}

func nopSettings() exporter.Settings {
	return exportertest.NewNopSettings(metadata.Type)
}

// entryLogs turns db-log-pusher entries into records the way the receiver
// (and the ailog processor) leave them: attributes named by the field
// table, start_time as the record timestamp, a uid per record.
func entryLogs(entries ...map[string]any) plog.Logs {
	ld := plog.NewLogs()
	for _, e := range entries {
		rl := ld.ResourceLogs().AppendEmpty()
		rl.Resource().Attributes().PutStr(accesslog.AttrServiceName, "higress-gateway")
		lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
		lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(time.Now()))
		lr.SetTimestamp(lr.ObservedTimestamp())
		for i := range accesslog.Fields {
			f := &accesslog.Fields[i]
			v, ok := e[f.JSON]
			if !ok || v == nil {
				continue
			}
			attrs := lr.Attributes()
			if f.Scope == accesslog.Resource {
				attrs = rl.Resource().Attributes()
			}
			switch x := v.(type) {
			case string:
				if f.Kind == accesslog.JSONObject && strings.TrimSpace(x) != "null" {
					if m, ok := accesslog.ParseObject(x, false); ok {
						m.MoveTo(attrs.PutEmptyMap(f.Attr))
						break
					}
				}
				attrs.PutStr(f.Attr, x)
				if f.Kind == accesslog.Time {
					if ts, err := time.Parse(time.RFC3339Nano, x); err == nil {
						lr.SetTimestamp(pcommon.NewTimestampFromTime(ts))
					}
				}
			case int:
				attrs.PutInt(f.Attr, int64(x))
			case float64: // a number of an entry decoded from JSON
				if n, ok := accesslog.FloatNumber(x); ok {
					n.Put(attrs.PutEmpty(f.Attr))
				}
			case map[string]any:
				if err := attrs.PutEmptyMap(f.Attr).FromRaw(x); err != nil {
					panic(err)
				}
			default:
				panic(fmt.Sprintf("test entry %s: %T", f.JSON, v))
			}
		}
		if _, ok := e["no_uid"]; !ok {
			lr.Attributes().PutStr(accesslog.AttrRecordUID, uuid.NewString())
		}
	}
	return ld
}

// simpleEntries makes n small distinct entries.
func simpleEntries(n int, prefix string) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{
			"start_time":    "2026-03-01T10:00:00Z",
			"authority":     "api.example.com",
			"method":        "POST",
			"path":          fmt.Sprintf("/v1/chat/completions?%s=%d", prefix, i),
			"request_id":    fmt.Sprintf("%s-%d", prefix, i),
			"response_code": 200,
			"duration":      10 + i,
		}
	}
	return out
}

// readRow reads every column of the single row with the given request_id
// as text (NULL → nil); start_time as a UTC "YYYY-MM-DD HH:MM:SS".
func readRow(t *testing.T, tg *target, table, requestID string) map[string]*string {
	t.Helper()
	rows, err := tg.admin.Query("SELECT * FROM "+qualified(tg.database, table)+" WHERE request_id = ?", requestID)
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	require.True(t, rows.Next(), "no row for request_id %s", requestID)
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	require.NoError(t, rows.Scan(ptrs...))
	require.False(t, rows.Next(), "more than one row for request_id %s", requestID)
	out := map[string]*string{}
	for i, c := range cols {
		if vals[i].Valid {
			s := vals[i].String
			out[strings.ToLower(c)] = &s
		} else {
			out[strings.ToLower(c)] = nil
		}
	}
	return out
}

func jsonEqual(t *testing.T, want string, got *string) {
	t.Helper()
	require.NotNil(t, got)
	var a, b any
	require.NoError(t, json.Unmarshal([]byte(want), &a))
	require.NoError(t, json.Unmarshal([]byte(*got), &b), *got)
	require.Equal(t, a, b)
}

func configOpaque(s string) configopaque.String { return configopaque.String(s) }

// addr is the target server's host:port.
func (tg *target) addr(t *testing.T) string {
	mc, err := mysql.ParseDSN(tg.dsn)
	require.NoError(t, err)
	return mc.Addr
}
