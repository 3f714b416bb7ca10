package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"
)

// idsPerStatement and statementsPerPoll bound one poll's walk over new
// ids; holesPerStatement how many holes one statement looks into.
const (
	idsPerStatement   = 5000
	statementsPerPoll = 10
	holesPerStatement = 32
)

// hole is a run of missing ids below the newest one, looked for until
// settle has passed since it was first seen.
type hole struct {
	span
	since time.Time
}

// The poller keeps the coverage of the table: every id up to the newest
// one seen, except the holes where no row is visible yet. A hole is an id
// handed out to a transaction that has not committed, or burnt by a
// rollback or a duplicate, or — when ids do not grow in commit order (TiDB
// servers each handing out their own range, ids chosen by a writer) — an
// id some writer has yet to use. Each poll reads the ids above the newest
// one and the ids that appeared in holes; tails read the rows of what the
// coverage gained (tail.go), so a row is delivered once whatever order
// its id came in. A hole is given up once no row has appeared in it for
// `settle` (or when more than maxHoles are open, oldest first).
//
// One poll serves every open tail.
func (h *tailHub) poll(ctx context.Context) {
	s, err := h.e.schema.get(ctx)
	if err == nil {
		if !h.started {
			err = h.begin(ctx, s)
		} else {
			err = h.advance(ctx, s)
		}
	}
	if err != nil {
		if !h.failing {
			h.e.logger.Warn("tail: reading new rows failed; retrying", zap.Error(err))
		}
		h.failing = true
		return
	}
	h.failing = false
	h.expire(time.Now())

	cov := coverage{top: h.top}
	for _, x := range h.holes {
		cov.holes = append(cov.holes, x.span)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.ready || cov.String() != h.cov.String() {
		h.cov, h.ready = cov, true
		close(h.changed)
		h.changed = make(chan struct{})
	}
}

// lookBack is how many of the newest ids the first poll of a run reads, to
// find the holes that are open as the run begins.
const lookBack = 1000

// begin starts a run at the newest id, with the holes among the ids just
// below it.
func (h *tailHub) begin(ctx context.Context, s *tableSchema) error {
	var top int64
	if err := h.e.db.QueryRowContext(ctx, render("max_id.sql", stmtData{Table: s.table, ID: quote(&s.id)})).Scan(&top); err != nil {
		return err
	}
	ids, err := h.readIDs(ctx, render("recent_ids.sql", stmtData{Table: s.table, ID: quote(&s.id)}), top, lookBack)
	if err != nil {
		return err
	}
	now := time.Now()
	h.top, h.holes, h.started = top, nil, true
	slices.Sort(ids)
	for i := 1; i < len(ids); i++ {
		if ids[i] > ids[i-1]+1 {
			h.holes = append(h.holes, hole{span{ids[i-1] + 1, ids[i] - 1}, now})
		}
	}
	return nil
}

// advance reads the ids above the newest one, then the ids in holes.
func (h *tailHub) advance(ctx context.Context, s *tableSchema) error {
	now := time.Now()
	for range statementsPerPoll {
		ids, err := h.readIDs(ctx, h.rangesStmt(s, 1), h.top+1, int64(math.MaxInt64), idsPerStatement)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if id > h.top+1 {
				h.holes = append(h.holes, hole{span{h.top + 1, id - 1}, now})
			}
			h.top = id
		}
		if len(ids) < idsPerStatement {
			break
		}
	}
	for i := 0; i < len(h.holes); i += holesPerStatement {
		batch := h.holes[i:min(i+holesPerStatement, len(h.holes))]
		args := make([]any, 0, 2*len(batch)+1)
		for _, x := range batch {
			args = append(args, x.lo, x.hi)
		}
		found, err := h.readIDs(ctx, h.rangesStmt(s, len(batch)), append(args, idsPerStatement)...)
		if err != nil {
			return err
		}
		h.fill(found, now)
	}
	return nil
}

// fill splits the holes around ids that appeared in them. The part above
// an id that appeared is looked for afresh: a writer handing out ids from
// a range of its own (a TiDB server's cached range) continues there.
func (h *tailHub) fill(found []int64, now time.Time) {
	for _, id := range found {
		for i, x := range h.holes {
			if id < x.lo || id > x.hi {
				continue
			}
			var parts []hole
			if id > x.lo {
				parts = append(parts, hole{span{x.lo, id - 1}, x.since})
			}
			if id < x.hi {
				parts = append(parts, hole{span{id + 1, x.hi}, now})
			}
			h.holes = append(h.holes[:i], append(parts, h.holes[i+1:]...)...)
			break
		}
	}
}

// expire gives up the holes older than settle, and the oldest beyond
// maxHoles.
func (h *tailHub) expire(now time.Time) {
	h.holes = slices.DeleteFunc(h.holes, func(x hole) bool { return now.Sub(x.since) >= h.cfg.Settle })
	if extra := len(h.holes) - maxHoles; extra > 0 {
		byAge := slices.Clone(h.holes)
		slices.SortStableFunc(byAge, func(a, b hole) int { return a.since.Compare(b.since) })
		drop := map[span]bool{}
		for _, x := range byAge[:extra] {
			drop[x.span] = true
		}
		h.holes = slices.DeleteFunc(h.holes, func(x hole) bool { return drop[x.span] })
	}
}

// rangesStmt reads the ids in n ranges (`id` BETWEEN ? AND ?, ORed).
func (h *tailHub) rangesStmt(s *tableSchema, n int) string {
	return render("ids.sql", stmtData{Table: s.table, ID: quote(&s.id), Ranges: idRanges(quote(&s.id), n)})
}

// idRanges is n ORed BETWEEN conditions on id, placeholders only.
func idRanges(id string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = id + " BETWEEN ? AND ?"
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

func (h *tailHub) readIDs(ctx context.Context, stmt string, args ...any) ([]int64, error) {
	var ids []int64
	err := h.e.eachRow(ctx, stmt, args, 1, func(vals []any) {
		if id, ok := toInt(vals[0]); ok {
			ids = append(ids, id)
		}
	})
	return ids, err
}
