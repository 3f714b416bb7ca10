package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v5"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/otelcol-higress/otelcol-higress/internal/journal"
)

// A log record is a header, then the body as received (decompressed):
// the header holds what decoding the body again needs to make the same
// records (receive time, uid seed).
const (
	walVersion    = 1
	walHeaderSize = 1 + 8 + 16
	// maxBodiesPerCall bounds a pipeline call made of many small bodies.
	maxBodiesPerCall = 10000
)

// The log's names in the storage extension: the usual one, and the one
// used while the usual one cannot be opened.
const (
	walStorageName  = "wal"
	walFallbackName = "wal-fallback"
)

var errCorruptRecord = errors.New("not a write-ahead log record of this version")

// readBody reads a request body into a buffer that starts with room for
// the log header, so that the stored record needs no second copy.
func readBody(r io.Reader, contentLength int64, headroom int) ([]byte, error) {
	var buf bytes.Buffer
	if contentLength > 0 {
		buf.Grow(headroom + int(contentLength))
	}
	buf.Write(make([]byte, headroom))
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

// sealRecord writes a's header into the room readBody left.
func sealRecord(rec []byte, a arrival) {
	rec[0] = walVersion
	binary.BigEndian.PutUint64(rec[1:9], uint64(a.at.UnixNano()))
	copy(rec[9:walHeaderSize], a.seed[:])
}

// openRecord splits a stored record into its arrival and body.
func openRecord(rec []byte) (arrival, []byte, error) {
	if len(rec) < walHeaderSize || rec[0] != walVersion {
		return arrival{}, nil, errCorruptRecord
	}
	a := arrival{at: time.Unix(0, int64(binary.BigEndian.Uint64(rec[1:9])))}
	copy(a.seed[:], rec[9:walHeaderSize])
	return a, rec[walHeaderSize:], nil
}

// writeAheadLog is the receiver's log and the goroutines feeding the
// pipeline from it.
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
	ensureSyscallHeadroom(r.settings.Logger)
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

// feed hands bodies from the log to the pipeline until ctx ends, and
// removes them once the pipeline call that carried them returned.
func (r *higressReceiver) feed(ctx context.Context, j *journal.Journal[plog.Logs]) {
	for {
		entries, err := j.Take(ctx, journal.Batch{
			MaxEntries: maxBodiesPerCall,
			MinBytes:   r.cfg.WAL.Batch.MinSize,
			MaxBytes:   r.cfg.WAL.Batch.MaxSize,
			MaxWait:    r.cfg.WAL.Batch.FlushTimeout,
		})
		if err != nil {
			return
		}
		ld, ok := r.walLogs(ctx, j, entries)
		if !ok || ld.LogRecordCount() > 0 && !r.deliver(ctx, ld) {
			return // shutting down: the bodies stay in the log for the next start
		}
		r.removeWAL(ctx, j, entries)
	}
}

// walLogs gathers the records of entries into one plog.Logs, reading back
// and decoding the bodies not kept in memory. A body that does not decode
// is skipped and counted. false: ctx ended first.
func (r *higressReceiver) walLogs(ctx context.Context, j *journal.Journal[plog.Logs], entries []journal.Entry[plog.Logs]) (plog.Logs, bool) {
	ld := plog.NewLogs()
	var stored []journal.Entry[plog.Logs]
	for _, e := range entries {
		if e.Cached {
			e.Value.ResourceLogs().MoveAndAppendTo(ld.ResourceLogs())
		} else {
			stored = append(stored, e)
		}
	}
	if len(stored) == 0 {
		return ld, true
	}
	var recs [][]byte
	ok := r.retry(ctx, "reading the write-ahead log", func() error {
		var err error
		recs, err = j.Read(ctx, stored)
		return err
	})
	if !ok {
		return ld, false
	}
	r.telemetry.ReceiverHigresslogWalReadBack.Add(ctx, int64(len(stored)))
	for i, rec := range recs {
		a, body, err := openRecord(rec)
		var decoded plog.Logs
		if err == nil {
			decoded, _, err = buildLogs(body, a, r.cfg.ServiceName, r.cfg.MaxExtraFields)
		}
		if err != nil {
			r.telemetry.ReceiverHigresslogWalCorrupt.Add(ctx, 1)
			r.settings.Logger.Error("skipping a write-ahead log record that does not decode",
				zap.Uint64("seq", stored[i].Seq), zap.Int("bytes", len(rec)), zap.Error(err))
			continue
		}
		decoded.ResourceLogs().MoveAndAppendTo(ld.ResourceLogs())
	}
	return ld, true
}

// deliver hands ld to the pipeline until it takes it: a refusal (memory
// limiter, a full queue, a database the exporter gave up on) is retried
// with backoff; a permanent failure would fail again, so its records are
// dropped and counted. false: ctx ended first.
func (r *higressReceiver) deliver(ctx context.Context, ld plog.Logs) bool {
	return r.retry(ctx, "handing records to the pipeline", func() error {
		err := r.next.ConsumeLogs(ctx, ld)
		if err == nil || ctx.Err() != nil {
			return err
		}
		var partial consumererror.Logs
		if errors.As(err, &partial) {
			ld = partial.Data()
		}
		if consumererror.IsPermanent(err) {
			n := ld.LogRecordCount()
			r.telemetry.ReceiverHigresslogWalDroppedRecords.Add(ctx, int64(n))
			r.settings.Logger.Error("pipeline refused records permanently; dropping them", zap.Int("records", n), zap.Error(err))
			return nil
		}
		return err
	})
}

// retry runs op until it succeeds, backing off between failures; false
// when ctx ends first.
func (r *higressReceiver) retry(ctx context.Context, what string, op func() error) bool {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = 100 * time.Millisecond
	b.MaxInterval = 5 * time.Second
	for failures := 0; ; failures++ {
		err := op()
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		if failures == 0 || failures%20 == 0 {
			r.settings.Logger.Warn(what+" failed; retrying", zap.Int("failures", failures+1), zap.Error(err))
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(b.NextBackOff()):
		}
	}
}

// removeWAL deletes bodies the pipeline has taken. The deletes are
// written with the log's next transaction; a crash before then hands the
// bodies over again after the restart, and their records keep their uids,
// so the exporter writes each once.
func (r *higressReceiver) removeWAL(ctx context.Context, j *journal.Journal[plog.Logs], entries []journal.Entry[plog.Logs]) {
	j.Remove(entries)
	var size int64
	for _, e := range entries {
		size += e.Size
	}
	r.telemetry.ReceiverHigresslogWalBodies.Add(ctx, -int64(len(entries)))
	r.telemetry.ReceiverHigresslogWalSize.Add(ctx, -size)
}

// closeWAL keeps feeding the pipeline until the log is empty, the drain
// timeout passes or ctx ends, then stops the feeders and closes the log.
func (r *higressReceiver) closeWAL(ctx context.Context) error {
	w := r.wal
	deadline := time.NewTimer(r.cfg.WAL.DrainTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		if n, _ := w.journal.Len(); n == 0 {
			break
		}
		select {
		case <-deadline.C:
			break wait
		case <-ctx.Done():
			break wait
		case <-tick.C:
		}
	}
	w.cancel()
	w.feeders.Wait()
	w.journal.Close()
	if n, size := w.journal.Len(); n > 0 {
		r.settings.Logger.Info("bodies stay in the write-ahead log for the next start",
			zap.Int("bodies", n), zap.Int64("bytes", size))
	}
	return w.client.Close(context.WithoutCancel(ctx))
}

// closeWALNow closes the log without draining, when Start fails after
// opening it.
func (r *higressReceiver) closeWALNow(ctx context.Context) error {
	if r.wal == nil {
		return nil
	}
	w := r.wal
	r.wal = nil
	w.cancel()
	w.feeders.Wait()
	w.journal.Close()
	return w.client.Close(context.WithoutCancel(ctx))
}

// minProcsForWAL: every write of the log ends in fdatasync, a blocking
// system call that holds the Go scheduler's only P when GOMAXPROCS is 1
// (a container limited to one CPU, or pinned to one) until sysmon takes
// it back. With one collector core in BENCHMARKS.md's split topology that
// halved single-entry throughput (1 088 → 2 030 POSTs/s) and raised p99
// from 24 to 190 ms; a second P lets HTTP requests run while the log
// syncs.
const minProcsForWAL = 2

func ensureSyscallHeadroom(logger *zap.Logger) {
	if n := runtime.GOMAXPROCS(0); n < minProcsForWAL {
		runtime.GOMAXPROCS(minProcsForWAL)
		logger.Info("raised GOMAXPROCS so that HTTP requests run while the write-ahead log syncs",
			zap.Int("from", n), zap.Int("to", minProcsForWAL))
	}
}
