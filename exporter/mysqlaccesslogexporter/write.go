package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
)

const (
	methodInsert   = "insert"
	methodLoadData = "load_data"
)

// writeRows writes rows chunk by chunk. A chunk refused for its data is
// bisected until the bad rows are alone; a lone bad row with an ai_log is
// tried once more with ai_log NULL, and what is still refused goes to the
// dead-letter table; the good ones are written. On a retryable error it stops and returns
// the rows not written: the current chunk (atomic, so none of it) and all
// after it.
func (e *mysqlExporter) writeRows(ctx context.Context, st *tableState, rows []row) ([]row, error) {
	pending := chunkRows(rows, len(st.cols), e.cfg.MaxRowsPerStatement, st.maxPacket)
	written := 0
	var suspects []row
	var suspectErrs []error
	for len(pending) > 0 {
		chunk := pending[0]
		err := e.writeChunk(ctx, st, chunk)
		if err == nil {
			if dlErr := e.keepDroppedAILogs(ctx, st, chunk); dlErr != nil {
				// The chunk is written; handing it back makes the retry
				// keep the ai_logs (its rows are absorbed by the uid key).
				return append(flatten(pending), suspects...), fmt.Errorf("keeping a dropped ai_log in the dead-letter table: %w", dlErr)
			}
			written += len(chunk)
			pending = pending[1:]
			continue
		}
		class := classify(err)
		switch class {
		case classData, classTooLarge, classSuspect:
			if len(chunk) > 1 {
				half := len(chunk) / 2
				pending = append([][]row{chunk[:half], chunk[half:]}, pending[1:]...)
				continue
			}
			if stripped, ok := withoutAILog(st.cols, &chunk[0], err); ok {
				// CONTRACT §3: an unusable ai_log is NULL, and the row
				// still reaches the dashboard. Tried once; if the row is
				// refused again it is dead-lettered whole (ai_log included).
				pending[0] = []row{stripped}
				continue
			}
			if class == classSuspect {
				// Decided once the other rows have been tried.
				suspects = append(suspects, chunk[0])
				suspectErrs = append(suspectErrs, err)
				pending = pending[1:]
				continue
			}
			reason := reasonData
			if class == classTooLarge {
				reason = reasonTooLarge
			}
			if dlErr := e.deadLetter(ctx, st, &chunk[0], err, reason); dlErr != nil {
				return append(flatten(pending), suspects...), fmt.Errorf("writing a refused row to the dead-letter table: %w", dlErr)
			}
			pending = pending[1:]
			continue
		case classSchema:
			e.invalidate()
		}
		return append(flatten(pending), suspects...), err
	}
	if len(suspects) > 0 && written == 0 {
		return suspects, suspectErrs[0]
	}
	for i := range suspects {
		if dlErr := e.deadLetter(ctx, st, &suspects[i], suspectErrs[i], reasonData); dlErr != nil {
			return suspects[i:], fmt.Errorf("writing a refused row to the dead-letter table: %w", dlErr)
		}
	}
	return nil, nil
}

// writeChunk writes one chunk with the configured method and records the
// chunk's size, latency and new rows.
func (e *mysqlExporter) writeChunk(ctx context.Context, st *tableState, chunk []row) error {
	method := methodInsert
	if e.useLoadData(st) {
		method = methodLoadData
	}
	begin := time.Now()
	var n int64
	var err error
	if method == methodLoadData {
		n, err = e.loadChunk(ctx, st, chunk)
		if errors.Is(err, errLoadDataRefused) {
			if e.cfg.InsertMethod == InsertMethodAuto {
				e.loadDataOff.Store(true)
				method = methodInsert
				n, err = e.insertChunk(ctx, st, chunk)
			}
			// insert_method load_data: the refusal stays an error (retried,
			// status reported) until the server allows LOAD DATA LOCAL.
		}
	} else {
		n, err = e.insertChunk(ctx, st, chunk)
	}
	if err != nil {
		return err
	}
	attr := methodAttr(method)
	e.telemetry.ExporterMysqlaccesslogWriteLatency.Record(ctx, time.Since(begin).Seconds(), attr)
	e.telemetry.ExporterMysqlaccesslogBatchRows.Record(ctx, int64(len(chunk)))
	e.telemetry.ExporterMysqlaccesslogRowsWritten.Add(ctx, n, attr)
	return nil
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
