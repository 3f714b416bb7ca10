package mysqltest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TiDB: a real tidb-server, the pinned version of tools/tidb/go.mod built
// by `make tidb` into bin/tidb-server, run as one process with its
// embedded store (-store unistore). One server per test binary, started
// on first use; it dies with the test binary (parent-death signal), and
// its data directory is removed by the next start once its process is
// gone.

// tidbBinaryEnv names another tidb-server binary than bin/tidb-server.
const tidbBinaryEnv = "TIDB_SERVER"

// tidbStartTimeout bounds the server's bootstrap (its system tables are
// created by DDL on first start: seconds, more on a loaded machine).
const tidbStartTimeout = 3 * time.Minute

// tidbDirPrefix names the data directories under os.TempDir().
const tidbDirPrefix = "otelcol-higress-tidb-"

var tidb struct {
	once sync.Once
	dsn  string
	pid  int
	err  error
	skip string
}

func startTiDBOnce() {
	tidb.once.Do(func() { tidb.dsn, tidb.pid, tidb.skip, tidb.err = startTiDB() })
}

// StartTiDB starts this process's TiDB on first use (for commands: the
// tests use TiDBDSN) and returns its server DSN and process id.
func StartTiDB() (dsn string, pid int, err error) {
	startTiDBOnce()
	if tidb.skip != "" {
		return "", 0, errors.New(tidb.skip + ": run `make tidb`")
	}
	return tidb.dsn, tidb.pid, tidb.err
}

// TiDBDSN is the server DSN (no database) of this test binary's TiDB,
// started on first use. Without a built tidb-server the test is skipped,
// unless CI is set: there it fails, since `make test` builds it.
func TiDBDSN(tb testing.TB) string {
	tb.Helper()
	startTiDBOnce()
	switch {
	case tidb.err != nil:
		tb.Fatalf("tidb-server: %v", tidb.err)
	case tidb.skip != "" && InCI():
		tb.Fatalf("%s; CI runs every TiDB test: run `make tidb` first (make test does)", tidb.skip)
	case tidb.skip != "":
		tb.Skipf("%s; skipping (`make tidb` builds it)", tidb.skip)
	}
	return tidb.dsn
}

// NewTiDBDatabase is NewDatabase on this test binary's TiDB.
func NewTiDBDatabase(tb testing.TB) *Database {
	tb.Helper()
	return newDatabase(tb, TiDBDSN(tb), "")
}

// InCI reports CI=true (.ci/run exports it, as most CI systems do): tests
// whose prerequisite CI always has fail there instead of skipping.
func InCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v != "" && v != "false" && v != "0"
}

// TiDBBinary is the tidb-server to run: $TIDB_SERVER, else bin/tidb-server
// of the module this test runs in ("" when there is none).
func TiDBBinary() string {
	if p := os.Getenv(tidbBinaryEnv); p != "" {
		return p
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/otelcol-higress/otelcol-higress\n") {
			p := filepath.Join(dir, "bin", "tidb-server")
			if _, err := os.Stat(p); err != nil {
				return ""
			}
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func startTiDB() (dsn string, pid int, skip string, err error) {
	bin := TiDBBinary()
	if bin == "" {
		return "", 0, "no tidb-server (bin/tidb-server or $" + tidbBinaryEnv + ")", nil
	}
	removeStaleTiDBDirs()
	dir, err := os.MkdirTemp("", tidbDirPrefix)
	if err != nil {
		return "", 0, "", err
	}
	// A port the OS picked a moment ago may be taken again by the time
	// the server binds it: try a few.
	for attempt := 0; attempt < 3; attempt++ {
		port, perr := FreePort()
		if perr != nil {
			return "", 0, "", perr
		}
		dsn, pid, err = runTiDB(bin, dir, port)
		if err == nil {
			return dsn, pid, "", nil
		}
	}
	return "", 0, "", err
}

func runTiDB(bin, dir string, port int) (string, int, error) {
	logFile := filepath.Join(dir, "tidb.log")
	// Spilled query data goes under dir too (TiDB's default is a
	// directory of its own in /tmp).
	config := filepath.Join(dir, "tidb.toml")
	if err := os.WriteFile(config, []byte("tmp-storage-path = "+strconv.Quote(filepath.Join(dir, "spill"))+"\n"), 0o600); err != nil {
		return "", 0, err
	}
	cmd := exec.Command(bin, "-config", config,
		"-store", "unistore", "-path", filepath.Join(dir, "store"),
		"-host", "127.0.0.1", "-P", strconv.Itoa(port), "-socket", "",
		"-report-status=false", "-temp-dir", filepath.Join(dir, "tmp"),
		"-L", "error", "-log-file", logFile, "-log-slow-query", filepath.Join(dir, "slow.log"))
	// The server must not outlive the test binary, however that ends:
	// the kernel kills it when the thread that started it exits, so that
	// thread is kept (locked to a goroutine waiting for the server).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	started, exited := make(chan error, 1), make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		exited <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return "", 0, err
	}
	if err := os.WriteFile(filepath.Join(dir, "pid"), []byte(strconv.Itoa(cmd.Process.Pid)), 0o600); err != nil {
		_ = cmd.Process.Kill()
		return "", 0, err
	}
	dsn := "root@tcp(127.0.0.1:" + strconv.Itoa(port) + ")/"
	deadline := time.Now().Add(tidbStartTimeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			tail, _ := os.ReadFile(logFile)
			return "", 0, fmt.Errorf("exited (%v) before answering: %s", err, lastLines(string(tail), 5))
		case <-time.After(200 * time.Millisecond):
		}
		if ping(dsn) == nil {
			return dsn, cmd.Process.Pid, nil
		}
	}
	_ = cmd.Process.Kill()
	return "", 0, errors.New("no answer within " + tidbStartTimeout.String())
}

func ping(dsn string) error {
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// handedOut are the ports FreePort has returned in this process.
var handedOut = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago and
// that it has not returned before: the kernel may give a port it just
// released to the next listener on :0 again, so two addresses taken one
// after the other for one collector (ingest, health check) could be the
// same port.
func FreePort() (int, error) {
	handedOut.Lock()
	defer handedOut.Unlock()
	for {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if !handedOut.ports[port] {
			handedOut.ports[port] = true
			return port, nil
		}
	}
}

// removeStaleTiDBDirs removes the data directories of servers that are
// gone (their test binary ended and took them along).
func removeStaleTiDBDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), tidbDirPrefix+"*"))
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, "pid"))
		if err != nil {
			// Being created right now by another test binary, or broken:
			// only remove it when it is old.
			if fi, serr := os.Stat(d); serr == nil && time.Since(fi.ModTime()) > time.Hour {
				_ = os.RemoveAll(d)
			}
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err == nil && syscall.Kill(pid, 0) == nil {
			continue
		}
		_ = os.RemoveAll(d)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
