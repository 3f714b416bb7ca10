package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/otelcol-higress/otelcol-higress/internal/journal"
)

// The log's names in the storage extension: the usual one, and the one
// used while the usual one cannot be opened.
const (
	walStorageName  = "wal"
	walFallbackName = "wal-fallback"
)

// writeAheadLog is the receiver's log and the goroutines feeding the
// pipeline from it (walfeed.go).
type writeAheadLog struct {
	client  storage.Client
	journal *journal.Journal[plog.Logs]
	cancel  context.CancelFunc
	feeders sync.WaitGroup
}

// openWAL opens the log in the configured storage extension and starts
// feeding the pipeline with what a previous run left, then with new
// bodies.
func (r *higressReceiver) openWAL(ctx context.Context, host component.Host) error {
	if n := runtime.GOMAXPROCS(0); n < 2 {
		// Every write of the log ends in fdatasync, a blocking system call
		// that holds the scheduler's only P until sysmon takes it back:
		// requests wait meanwhile (BENCHMARKS.md, "GOMAXPROCS"). The
		// setting is the process's, so it is the deployer's to change.
		r.settings.Logger.Warn("GOMAXPROCS is 1: requests wait while the write-ahead log syncs; set the GOMAXPROCS environment variable to 2",
			zap.Int("gomaxprocs", n))
	}
	id := *r.cfg.WAL.Storage
	ext, ok := host.GetExtensions()[id]
	if !ok {
		return fmt.Errorf("wal::storage: no extension %q in service::extensions", id)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return fmt.Errorf("wal::storage: extension %q is not a storage extension", id)
	}
	client, err := se.GetClient(ctx, component.KindReceiver, r.settings.ID, walStorageName)
	if err != nil {
		// A log file the storage cannot open (damaged disk, a file cut
		// short while it was being created) must not stop ingest for
		// good, restart after restart: it is left as it is for recovery by
		// hand, and bodies go to a second log, which later starts use too
		// (and replay) for as long as the first cannot be opened.
		r.telemetry.ReceiverHigresslogWalCorrupt.Add(ctx, 1)
		r.settings.Logger.Error("the write-ahead log cannot be opened; using a second one. Bodies in the first are not written: move its file aside (see the receiver README) once you have copied it",
			zap.String("storage", id.String()), zap.String("fallback", walFallbackName), zap.Error(err))
		client, err = se.GetClient(ctx, component.KindReceiver, r.settings.ID, walFallbackName)
		if err != nil {
			return fmt.Errorf("wal::storage: neither log can be opened: %w", err)
		}
	}
	j, err := journal.Open[plog.Logs](ctx, client, journal.Config{
		MaxBytes: r.cfg.WAL.QueueSize, MemoryBytes: r.cfg.WAL.MemorySize, CommitLinger: r.cfg.WAL.CommitLinger,
	})
	if err != nil {
		_ = client.Close(ctx)
		return fmt.Errorf("wal::storage: %w", err)
	}
	if n, size := j.Len(); n > 0 {
		r.settings.Logger.Info("write-ahead log holds bodies from the previous run; writing them first",
			zap.Int("bodies", n), zap.Int64("bytes", size))
		r.telemetry.ReceiverHigresslogWalBodies.Add(ctx, int64(n))
		r.telemetry.ReceiverHigresslogWalSize.Add(ctx, size)
	}
	feedCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	w := &writeAheadLog{client: client, journal: j, cancel: cancel}
	for range r.cfg.WAL.NumConsumers {
		w.feeders.Go(func() { r.feed(feedCtx, j) })
	}
	r.wal = w
	return nil
}

// appendWAL stores a request's body; it returns once the body is on disk.
func (r *higressReceiver) appendWAL(ctx context.Context, rec []byte, a arrival, ld plog.Logs) error {
	sealRecord(rec, a)
	if err := r.wal.journal.Append(ctx, rec, ld); err != nil {
		if errors.Is(err, journal.ErrFull) {
			return fmt.Errorf("write-ahead log full (wal::queue_size %d bytes): %w", r.cfg.WAL.QueueSize, err)
		}
		return fmt.Errorf("write-ahead log: %w", err)
	}
	r.telemetry.ReceiverHigresslogWalBodies.Add(ctx, 1)
	r.telemetry.ReceiverHigresslogWalSize.Add(ctx, int64(len(rec)))
	return nil
}

// closeWAL lets the feeders empty the log for up to drain (0 when Start
// fails) or until ctx ends, then stops them and closes the log: what it
// still holds is written after the next start.
func (r *higressReceiver) closeWAL(ctx context.Context, drain time.Duration) error {
	w := r.wal
	drainCtx, cancel := context.WithTimeout(ctx, drain)
	w.journal.WaitEmpty(drainCtx)
	cancel()
	w.cancel()
	w.feeders.Wait()
	w.journal.Close()
	if n, size := w.journal.Len(); n > 0 {
		r.settings.Logger.Info("bodies stay in the write-ahead log for the next start",
			zap.Int("bodies", n), zap.Int64("bytes", size))
	}
	return w.client.Close(context.WithoutCancel(ctx))
}
