package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

import (
	"context"
	"errors"
	"time"

	"github.com/cenkalti/backoff/v5"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"

	"github.com/otelcol-higress/otelcol-higress/internal/journal"
)

// maxBodiesPerCall bounds a pipeline call made of many small bodies.
const maxBodiesPerCall = 10000

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
	ok := r.retry(ctx, "reading the write-ahead log", func() (err error) {
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

// retry runs op until it succeeds, backing off from 100 ms to 5 s
// between failures, for as long as it takes: the bodies wait in the log
// meanwhile. false when ctx ends first.
func (r *higressReceiver) retry(ctx context.Context, what string, op func() error) bool {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = 100 * time.Millisecond
	b.MaxInterval = 5 * time.Second
	failures := 0
	_, err := backoff.Retry(ctx, func() (struct{}, error) { return struct{}{}, op() },
		backoff.WithBackOff(b), backoff.WithMaxElapsedTime(0),
		backoff.WithNotify(func(err error, _ time.Duration) {
			if failures%20 == 0 {
				r.settings.Logger.Warn(what+" failed; retrying", zap.Int("failures", failures+1), zap.Error(err))
			}
			failures++
		}))
	return err == nil
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
