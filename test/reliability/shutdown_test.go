package reliability

import (
	"context"
	"testing"
	"time"

	"github.com/otelcol-higress/otelcol-higress/internal/loadgen"
	"github.com/otelcol-higress/otelcol-higress/test/reliability/harness"
)

// TestGracefulShutdownBacklog stops the collector with SIGTERM while the
// database is unreachable and the write-ahead log holds a backlog: the
// process must exit cleanly and in bounded time, and a restart with the
// database back must write every acknowledged entry.
func TestGracefulShutdownBacklog(t *testing.T) {
	e := newEnv(t, harness.Options{})
	e.start()
	run := runID(t)

	e.proxy.SetDown(true)
	res, err := loadgen.Run(context.Background(), loadgen.Config{
		URL: e.col.URL, RunID: run, Concurrency: 8, PerPost: 5, Duration: pick(2*time.Second, 20*time.Second),
	})
	if err != nil {
		t.Fatal(err)
	}
	logResult(t, "load while the database is down", res)
	if rep, err := loadgen.Check(context.Background(), e.sqlDB, "access_logs", run, res.AckedIDs); err == nil && rep.Rows > 0 {
		t.Fatalf("rows written while the proxy was down: %s", rep)
	}

	began := time.Now()
	if err := e.col.Stop(60 * time.Second); err != nil {
		t.Fatalf("SIGTERM with a backlog: %v", err)
	}
	t.Logf("SIGTERM → exit in %v (exit %v)", time.Since(began).Round(time.Millisecond), e.col.ExitState())

	e.proxy.SetDown(false)
	e.start()
	e.waitStored(run, res.AckedIDs, pick(60*time.Second, 3*time.Minute))
	e.settle(run, res.AckedIDs)
	if err := e.col.Stop(30 * time.Second); err != nil {
		t.Error(err)
	}
}

// TestGracefulShutdownUnderLoad sends SIGTERM while traffic flows and the
// database is up: whatever was acknowledged is written before exit or on
// the next start from the write-ahead log.
func TestGracefulShutdownUnderLoad(t *testing.T) {
	e := newEnv(t, harness.Options{})
	e.start()
	run := runID(t)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wait := loadAsync(ctx, t, loadgen.Config{
		URL: e.col.URL, RunID: run, Concurrency: 16, PerPost: 10, Duration: time.Minute,
	})
	time.Sleep(pick(2*time.Second, 10*time.Second))
	stopped := make(chan error, 1)
	go func() { stopped <- e.col.Stop(60 * time.Second) }()
	if err := <-stopped; err != nil {
		t.Fatalf("SIGTERM under load: %v", err)
	}
	cancel()
	res := wait()
	logResult(t, "load until SIGTERM", res)
	if rep, err := loadgen.Check(context.Background(), e.sqlDB, "access_logs", run, res.AckedIDs); err == nil {
		t.Logf("after SIGTERM: %d of %d acknowledged entries stored, %d left in the write-ahead log",
			len(res.AckedIDs)-len(rep.Missing), len(res.AckedIDs), len(rep.Missing))
	}
	e.start()
	e.waitStored(run, res.AckedIDs, pick(60*time.Second, 3*time.Minute))
	e.settle(run, res.AckedIDs)
	if err := e.col.Stop(30 * time.Second); err != nil {
		t.Error(err)
	}
}
