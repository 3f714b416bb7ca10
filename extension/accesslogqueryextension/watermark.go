package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"context"
	"time"

	"go.uber.org/zap"
)

// idsPerStatement and statementsPerPoll bound one poll's walk over new ids.
const (
	idsPerStatement   = 1000
	statementsPerPoll = 10
)

// seenMax is the newest id at one poll.
type seenMax struct {
	id int64
	at time.Time
}

// The committed watermark ("safe") is the id up to which every row that
// will ever exist is already visible. AUTO_INCREMENT ids are handed out
// before commit, so a row with a lower id can become visible after one
// with a higher id (concurrent writers, other replicas); a tail that
// moved past it would never show it. The watermark advances
//   - at once over ids that are all present (the common case: no hole);
//   - over a hole once the newest id above it was seen at least `settle`
//     ago: the transaction holding it had that long to commit (a hole
//     that stays is an id burnt by a rollback or a duplicate).
//
// One poll serves every open tail.
func (h *tailHub) poll(ctx context.Context) {
	s, err := h.e.schema.get(ctx)
	var maxID int64
	if err == nil {
		err = h.e.db.QueryRowContext(ctx, render("max_id.sql", stmtData{Table: s.table, ID: quote(&s.id)})).Scan(&maxID)
	}
	if err != nil {
		if !h.failing {
			h.e.logger.Warn("tail: reading new rows failed; retrying", zap.Error(err))
		}
		h.failing = true
		return
	}
	h.failing = false
	now := time.Now()

	h.mu.Lock()
	safe, first := h.safe, !h.ready
	h.mu.Unlock()

	if maxID > safe {
		h.history = append(h.history, seenMax{id: maxID, at: now})
		walked, caughtUp := h.walk(ctx, s, safe, maxID)
		safe = max(safe, walked)
		if first && !caughtUp {
			// Nobody tails from below this run's first maximum except a
			// resumed client; do not keep every tail waiting `settle`
			// for the backlog of a long idle period.
			safe = maxID
		}
	}
	cut := now.Add(-h.cfg.Settle)
	kept := h.history[:0]
	for _, m := range h.history {
		if !m.at.After(cut) {
			safe = max(safe, m.id)
		} else if m.id > safe {
			kept = append(kept, m)
		}
	}
	h.history = kept

	h.mu.Lock()
	defer h.mu.Unlock()
	h.latest = max(h.latest, maxID)
	if safe > h.safe || !h.ready {
		h.safe, h.ready = max(h.safe, safe), true
		close(h.changed)
		h.changed = make(chan struct{})
	}
}

// walk follows the ids present above safe while they are consecutive and
// returns the last one; caughtUp when it reached maxID.
func (h *tailHub) walk(ctx context.Context, s *tableSchema, safe, maxID int64) (int64, bool) {
	stmt := render("ids.sql", stmtData{Table: s.table, ID: quote(&s.id)})
	for range statementsPerPoll {
		rows, err := h.e.db.QueryContext(ctx, stmt, safe, maxID, idsPerStatement)
		if err != nil {
			return safe, false
		}
		n := 0
		for rows.Next() {
			var id int64
			if rows.Scan(&id) != nil || id != safe+1 {
				_ = rows.Close()
				return safe, false
			}
			safe = id
			n++
		}
		_ = rows.Close()
		if safe >= maxID {
			return safe, true
		}
		if n < idsPerStatement {
			return safe, false
		}
	}
	return safe, false
}
