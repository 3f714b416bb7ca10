package reliability

import (
	"context"
	"testing"
	"time"

	"github.com/otelcol-higress/otelcol-higress/internal/loadgen"
	"github.com/otelcol-higress/otelcol-higress/test/reliability/harness"
)

// loadAsync runs loadgen in the background; the returned func waits for it.
func loadAsync(ctx context.Context, t *testing.T, cfg loadgen.Config) func() *loadgen.Result {
	ch := make(chan *loadgen.Result, 1)
	go func() {
		res, err := loadgen.Run(ctx, cfg)
		if err != nil {
			t.Errorf("loadgen: %v", err)
			res = &loadgen.Result{}
		}
		ch <- res
	}()
	return func() *loadgen.Result { return <-ch }
}

// TestDBOutage cuts every database connection (proxy down + CutAll) for a
// while under steady load, then restores it.
func TestDBOutage(t *testing.T) {
	e := newEnv(t, harness.Options{})
	e.start()
	run := runID(t)
	warm, outage, after := pick(time.Second, 5*time.Second), pick(3*time.Second, 30*time.Second), pick(time.Second, 5*time.Second)

	wait := loadAsync(context.Background(), t, loadgen.Config{
		URL: e.col.URL, RunID: run, Concurrency: 8, Rate: 200, Duration: warm + outage + after,
	})
	time.Sleep(warm)
	e.proxy.SetDown(true) // closes open connections and refuses new ones
	time.Sleep(outage)
	e.proxy.CutAll()
	e.proxy.SetDown(false)
	res := wait()
	logResult(t, "load", res)
	if res.Refused+res.Failed > 0 {
		// With a write-ahead log of 1 GiB nothing should have been refused.
		t.Logf("note: %d posts not acknowledged (not counted as stored)", res.Refused+res.Failed)
	}
	e.waitStored(run, res.AckedIDs, pick(60*time.Second, 3*time.Minute))
	e.settle(run, res.AckedIDs)
	if !e.col.Running() {
		t.Fatalf("collector exited: %v", e.col.ExitState())
	}
}

// TestSIGKILL kills the collector under load and restarts it on the same
// storage directory: what was acknowledged is in the write-ahead log.
func TestSIGKILL(t *testing.T) {
	e := newEnv(t, harness.Options{})
	e.start()
	run := runID(t)
	before := pick(2*time.Second, 15*time.Second)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wait := loadAsync(ctx, t, loadgen.Config{
		URL: e.col.URL, RunID: run, Concurrency: 16, PerPost: 10, Duration: 2 * before,
	})
	time.Sleep(before)
	if err := e.col.Kill(); err != nil {
		t.Fatal(err)
	}
	cancel() // posts after the kill would only be refused connections
	res := wait()
	logResult(t, "load until SIGKILL", res)

	// Nothing can be written while it is down; restart on the same queue.
	if rep, err := loadgen.Check(context.Background(), e.sqlDB, "access_logs", run, res.AckedIDs); err == nil {
		t.Logf("before restart: %d of %d acknowledged entries stored, %d only in the write-ahead log",
			len(res.AckedIDs)-len(rep.Missing), len(res.AckedIDs), len(rep.Missing))
	}
	e.start()
	run2 := "after-" + run
	res2, err := loadgen.Run(context.Background(), loadgen.Config{URL: e.col.URL, RunID: run2, Concurrency: 4, Posts: 100})
	if err != nil {
		t.Fatal(err)
	}
	logResult(t, "load after restart", res2)
	e.waitStored(run, res.AckedIDs, pick(60*time.Second, 3*time.Minute))
	e.waitStored(run2, res2.AckedIDs, time.Minute)
	e.settle(run, res.AckedIDs)
	if err := e.col.Stop(30 * time.Second); err != nil {
		t.Error(err)
	}
}
