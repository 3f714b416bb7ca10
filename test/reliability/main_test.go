// Package reliability runs the real otelcol-higress binary against a real
// MariaDB and checks that nothing acknowledged is lost or duplicated when
// the database goes away, the collector is killed or stopped, traffic
// exceeds what it can take, or the input is bad.
//
// Short versions run with `go test ./test/reliability` (part of `make
// test`); RELIABILITY_LONG=1 (`make test-reliability`) runs the long ones.
// Without a MariaDB at MYSQL_TEST_DSN (default root@tcp(127.0.0.1:3306)/)
// every test skips.
package reliability

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/otelcol-higress/otelcol-higress/internal/loadgen"
	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
	"github.com/otelcol-higress/otelcol-higress/test/reliability/harness"
)

var longFlag = flag.Bool("long", false, "run the long versions (same as RELIABILITY_LONG=1)")

// collectorBin is built once by TestMain.
var collectorBin string

func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.run"); f != nil && f.Value.String() == "^$" {
		os.Exit(m.Run()) // `go test -run '^$' -bench .`: no test needs the binary
	}
	dir, err := os.MkdirTemp("", "reliability-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// RELIABILITY_BIN runs a prebuilt binary (e.g. bin/otelcol-higress).
	bin, err := harness.Build(dir, os.Getenv("RELIABILITY_BIN"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "building the collector:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	collectorBin = bin
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// long is true for `make test-reliability`.
func long() bool { return *longFlag || os.Getenv("RELIABILITY_LONG") == "1" }

// pick returns the short or the long value.
func pick[T any](short, lng T) T {
	if long() {
		return lng
	}
	return short
}

// env is one test's database, proxy, and collector.
type env struct {
	t       *testing.T
	db      *mysqltest.Database
	sqlDB   *sql.DB // default database = db.Name
	proxy   *mysqltest.Proxy
	dir     string
	storage string
	opts    harness.Options
	col     *harness.Collector
}

// newEnv creates a database, a proxy in front of it and a collector
// configuration (durable: the receiver's write-ahead log, unless opts.StorageDir is "-"). The
// collector is not started.
func newEnv(t *testing.T, opts harness.Options, extraEnv ...string) *env {
	t.Helper()
	db := mysqltest.NewDatabase(t) // skips without MariaDB
	cfg, err := mysql.ParseDSN(db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	proxy, err := mysqltest.NewProxy(cfg.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proxy.Close() })
	sqlDB, err := sql.Open("mysql", db.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sqlDB.Close() })

	dir := t.TempDir()
	e := &env{t: t, db: db, sqlDB: sqlDB, proxy: proxy, dir: dir}
	viaProxy := *cfg
	viaProxy.Addr = proxy.Addr()
	opts.DSN = viaProxy.FormatDSN()
	switch opts.StorageDir {
	case "-":
		opts.StorageDir = ""
	case "":
		e.storage = filepath.Join(dir, "queue")
		if err := os.MkdirAll(e.storage, 0o700); err != nil {
			t.Fatal(err)
		}
		opts.StorageDir = e.storage
	}
	if opts.Port == 0 {
		if opts.Port, err = harness.FreePort(); err != nil {
			t.Fatal(err)
		}
	}
	e.opts = opts
	col, err := harness.New(collectorBin, dir, opts, extraEnv...)
	if err != nil {
		t.Fatal(err)
	}
	e.col = col
	t.Cleanup(func() {
		if col.Running() {
			_ = col.Kill()
		}
		if t.Failed() {
			t.Logf("collector output (tail):\n%s", col.LogTail(60))
		}
	})
	return e
}

// start runs the collector and fails the test if it does not get healthy.
func (e *env) start() {
	e.t.Helper()
	if err := e.col.Start(context.Background(), 30*time.Second); err != nil {
		e.t.Fatal(err)
	}
}

// runID is a unique request_id prefix per test.
func runID(t *testing.T) string {
	name := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
	return fmt.Sprintf("%s-%x", name, time.Now().UnixNano()&0xffffff)
}

// waitStored asserts that every acknowledged id is stored exactly once.
func (e *env) waitStored(run string, acked []string, within time.Duration) loadgen.Report {
	e.t.Helper()
	rep, err := loadgen.WaitComplete(context.Background(), e.sqlDB, "access_logs", run, acked, within)
	if err != nil {
		e.t.Fatalf("checking rows: %v", err)
	}
	e.t.Logf("stored: %s", rep)
	if !rep.OK() {
		e.t.Errorf("acknowledged entries lost or duplicated: %s; first missing %v, first duplicated %v",
			rep, head(rep.Missing, 5), head(rep.Duplicated, 5))
	}
	if len(acked) == 0 {
		e.t.Errorf("no entry was acknowledged: the test proved nothing")
	}
	return rep
}

// noFurtherRows checks, after everything landed, that no row arrives
// twice later (a retried batch landing again).
func (e *env) settle(run string, acked []string) {
	e.t.Helper()
	time.Sleep(500 * time.Millisecond)
	rep, err := loadgen.Check(context.Background(), e.sqlDB, "access_logs", run, acked)
	if err != nil {
		e.t.Fatal(err)
	}
	if !rep.OK() {
		e.t.Errorf("after settling: %s; duplicated %v", rep, head(rep.Duplicated, 5))
	}
}

func head(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func logResult(t *testing.T, what string, r *loadgen.Result) {
	t.Helper()
	t.Logf("%s: posts=%d acked=%d refused=%d failed=%d entries_acked=%d status=%v p50=%v p99=%v elapsed=%v",
		what, r.Posts, r.Acked, r.Refused, r.Failed, len(r.AckedIDs), r.Status,
		r.Percentile(50).Round(time.Millisecond), r.Percentile(99).Round(time.Millisecond), r.Elapsed.Round(time.Millisecond))
}
