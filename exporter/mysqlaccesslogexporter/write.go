package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"context"
	"fmt"
	"sync"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
)

// maxRefusals is how many pushes a row may be refused alone with an error
// of classRefused before it is dead-lettered: enough to ride out a
// passing server fault, few enough that a row no retry will ever write
// (a trigger's SIGNAL) frees its queue consumer within a few retry
// intervals.
const maxRefusals = 5

// writeRows writes rows chunk by chunk and returns the rows not written
// with the error that stopped them.
//
//   - A chunk refused for its rows (classData, classTooLarge,
//     classRefused) is bisected until the bad rows are alone; the good ones
//     are written.
//   - A bad row with an ai_log is tried once more with ai_log NULL.
//   - A bad row still refused goes to the dead-letter table; with
//     classRefused only once it has been refused in maxRefusals pushes:
//     until then it is handed back to the retry after the rest is written.
//   - On classRetry or classSchema (the database, not the rows) it stops:
//     the current chunk (atomic, so none of it) and all after it are
//     handed back, retried without limit.
func (e *mysqlExporter) writeRows(ctx context.Context, st *tableState, rows []row) ([]row, error) {
	pending := chunkRows(rows, len(st.cols), e.cfg.MaxRowsPerStatement, st.maxPacket)
	var again []row // refused alone, fewer than maxRefusals times so far
	var againErr error
	for len(pending) > 0 {
		chunk := pending[0]
		err := e.insertChunk(ctx, st, chunk)
		if err == nil {
			if err := e.keepDroppedAILogs(ctx, st, chunk); err != nil {
				// The chunk is written; handing it back makes the retry
				// keep the ai_logs (its rows are absorbed by the uid key).
				return append(flatten(pending), again...), fmt.Errorf("keeping a dropped ai_log in the dead-letter table: %w", err)
			}
			e.refusals.forget(chunk)
			pending = pending[1:]
			continue
		}
		class := classify(err)
		switch class {
		case classSchema:
			e.invalidate()
			fallthrough
		case classRetry:
			return append(flatten(pending), again...), err
		}
		if len(chunk) > 1 {
			half := len(chunk) / 2
			pending = append([][]row{chunk[:half], chunk[half:]}, pending[1:]...)
			continue
		}
		r := &chunk[0]
		if stripped, ok := withoutAILog(st.cols, r, err); ok {
			pending[0] = []row{stripped}
			continue
		}
		pending = pending[1:]
		if class == classRefused && e.refusals.add(r.uid) < maxRefusals {
			again = append(again, *r)
			againErr = err
			continue
		}
		if err := e.deadLetter(ctx, st, r, err, reasonOf(class)); err != nil {
			return append(append(flatten(pending), *r), again...), fmt.Errorf("writing a refused row to the dead-letter table: %w", err)
		}
		e.refusals.forget(chunk)
	}
	if len(again) > 0 {
		return again, fmt.Errorf("%d row(s) refused by the database, tried again later (dead-lettered after %d refusals): %w", len(again), maxRefusals, againErr)
	}
	return nil, nil
}

// keepDroppedAILogs keeps, for each written row whose ai_log was written
// as NULL, that ai_log in the dead-letter table.
func (e *mysqlExporter) keepDroppedAILogs(ctx context.Context, st *tableState, chunk []row) error {
	for i := range chunk {
		if chunk[i].aiLogDropped == "" {
			continue
		}
		if err := e.keepDroppedAILog(ctx, st, &chunk[i]); err != nil {
			return err
		}
	}
	return nil
}

// refusals counts, per record uid, the pushes in which the database
// refused the record alone with an error of classRefused. It is bounded:
// past maxTracked records it starts over, which at worst gives a row a
// few more attempts.
type refusals struct {
	mu sync.Mutex
	n  map[string]int
}

const maxTracked = 100_000

// add counts one refusal of uid and returns how many there have been.
func (r *refusals) add(uid string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == nil || len(r.n) >= maxTracked {
		r.n = map[string]int{}
	}
	r.n[uid]++
	return r.n[uid]
}

// forget drops the counts of rows that are settled.
func (r *refusals) forget(rows []row) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.n) == 0 {
		return
	}
	for i := range rows {
		delete(r.n, rows[i].uid)
	}
}

func flatten(chunks [][]row) []row {
	var out []row
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out
}

// unwrittenError hands exactly the unwritten records back to the retry.
func unwrittenError(err error, rows []row) error {
	if len(rows) == 0 {
		return err
	}
	return consumererror.NewLogs(err, rowsToLogs(rows))
}

// rowsToLogs rebuilds plog.Logs from rows, keeping each record under a
// copy of its original resource and scope.
func rowsToLogs(rows []row) plog.Logs {
	ld := plog.NewLogs()
	type key struct{ rl, sl int }
	scopes := map[key]plog.LogRecordSlice{}
	for i := range rows {
		ref := rows[i].ref
		k := key{ref.rl, ref.sl}
		lrs, ok := scopes[k]
		if !ok {
			rl := ld.ResourceLogs().AppendEmpty()
			ref.resource.CopyTo(rl.Resource())
			sl := rl.ScopeLogs().AppendEmpty()
			ref.scope.Scope().CopyTo(sl.Scope())
			sl.SetSchemaUrl(ref.scope.SchemaUrl())
			lrs = sl.LogRecords()
			scopes[k] = lrs
		}
		ref.record.CopyTo(lrs.AppendEmpty())
	}
	return ld
}
