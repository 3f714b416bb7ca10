package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"bufio"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"
)

// retryMillis is the reconnect delay the stream suggests to EventSource.
const retryMillis = 2000

// tailHub runs GET /tail: it caps concurrent tails and keeps the table's
// coverage (watermark.go) while at least one tail is open.
type tailHub struct {
	e     *queryExtension
	cfg   *TailConfig
	ctx   context.Context // ends at Shutdown
	slots chan struct{}
	wg    sync.WaitGroup

	mu      sync.Mutex
	tails   int
	running bool
	ready   bool     // cov has been read in this run
	cov     coverage // the ids visible in the table, as of the last poll
	changed chan struct{}

	// Touched by the polling goroutine only.
	started bool
	top     int64
	holes   []hole
	failing bool
}

func newTailHub(ctx context.Context, e *queryExtension, cfg *TailConfig) *tailHub {
	return &tailHub{e: e, cfg: cfg, ctx: ctx, slots: make(chan struct{}, cfg.MaxConcurrent), changed: make(chan struct{})}
}

// subscribe counts a tail in and starts polling when it is the first.
func (h *tailHub) subscribe() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tails++
	if !h.running {
		h.running, h.ready, h.started = true, false, false
		h.wg.Add(1)
		go h.run()
	}
}

func (h *tailHub) unsubscribe() {
	h.mu.Lock()
	h.tails--
	h.mu.Unlock()
}

// run polls until the last tail has gone or the extension shuts down.
func (h *tailHub) run() {
	defer h.wg.Done()
	ticker := time.NewTicker(h.cfg.PollInterval)
	defer ticker.Stop()
	for {
		ctx, cancel := context.WithTimeout(h.ctx, h.e.cfg.QueryTimeout)
		h.poll(ctx)
		cancel()
		select {
		case <-h.ctx.Done():
			return
		case <-ticker.C:
		}
		h.mu.Lock()
		if h.tails == 0 {
			h.running = false
			h.mu.Unlock()
			return
		}
		h.mu.Unlock()
	}
}

func (h *tailHub) wait() { h.wg.Wait() }

// state is the table's coverage, whether it is known, and a channel
// closed when it next changes.
func (h *tailHub) state() (cov coverage, ready bool, changed <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cov, h.ready, h.changed
}

func (h *tailHub) handle(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := checkParams(q, filterParams(), []string{paramLastEventID}); err != nil {
		writeError(w, h.e.logger, err)
		return
	}
	if h.cfg.MaxConcurrent == 0 {
		writeFailure(w, http.StatusNotFound, "tail is turned off (tail::max_concurrent is 0)")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.e.cfg.QueryTimeout)
	s, err := h.e.schema.get(ctx)
	cancel()
	if err != nil {
		writeError(w, h.e.logger, err)
		return
	}
	conds, err := parseFilters(q, s)
	if err != nil {
		writeError(w, h.e.logger, err)
		return
	}
	// EventSource sends Last-Event-ID when it reconnects; the parameter
	// serves clients that cannot set headers on their first request.
	resume := r.Header.Get("Last-Event-ID")
	if resume == "" {
		resume = q.Get(paramLastEventID)
	}
	var from coverage
	if resume != "" {
		if from, err = parseCoverage(resume); err != nil {
			writeError(w, h.e.logger, badf("Last-Event-ID must be an id this stream sent, got %q", resume))
			return
		}
	}
	select {
	case h.slots <- struct{}{}:
		defer func() { <-h.slots }()
	default:
		writeFailure(w, http.StatusTooManyRequests, "too many open tails (tail::max_concurrent "+strconv.Itoa(h.cfg.MaxConcurrent)+")")
		return
	}
	h.subscribe()
	defer h.unsubscribe()

	if resume == "" {
		// Without a resume point the tail starts at what the table holds
		// now.
		if from, err = h.awaitCoverage(r.Context()); err != nil {
			writeError(w, h.e.logger, err)
			return
		}
	}
	h.stream(w, r, conds, from)
}

// awaitCoverage waits for the first poll of this run.
func (h *tailHub) awaitCoverage(ctx context.Context) (coverage, error) {
	ctx, cancel := context.WithTimeout(ctx, h.e.cfg.QueryTimeout)
	defer cancel()
	for {
		cov, ready, changed := h.state()
		if ready {
			return cov, nil
		}
		select {
		case <-changed:
		case <-h.ctx.Done():
			return coverage{}, context.Canceled
		case <-ctx.Done():
			return coverage{}, errNoWatermark
		}
	}
}

// stream writes every row the table gains beyond mine that matches
// conds, as `id: <coverage>` / `data: <log JSON>` events, until the client
// leaves or the extension shuts down. Rows come in id order within one
// read; a row whose id was missing when a higher one was sent (a late
// commit, ids not in commit order) comes when it appears.
func (h *tailHub) stream(w http.ResponseWriter, r *http.Request, conds []condition, mine coverage) {
	rc := http.NewResponseController(w)
	// A tail lives longer than the server's write_timeout.
	_ = rc.SetWriteDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	out := bufio.NewWriter(w)
	_, _ = out.WriteString("retry: " + strconv.Itoa(retryMillis) + "\n: tailing after id " + strconv.FormatInt(mine.top, 10) + "\n\n")
	if out.Flush() != nil || rc.Flush() != nil {
		return
	}
	heartbeat := time.NewTicker(h.cfg.Heartbeat)
	defer heartbeat.Stop()
	for {
		table, _, changed := h.state()
		if want := mine.missing(table); len(want) > 0 {
			next, err := h.send(r.Context(), out, conds, mine, want)
			if err != nil {
				if r.Context().Err() != nil {
					return
				}
				h.e.logger.Debug("tail: reading rows failed", zap.Error(err))
				_, _ = out.WriteString(": database unavailable, retrying\n\n")
			}
			mine = next
			if out.Flush() != nil || rc.Flush() != nil {
				return
			}
			if err == nil && len(mine.missing(table)) > 0 {
				continue
			}
		}
		select {
		case <-changed:
		case <-heartbeat.C:
			_, _ = out.WriteString(": heartbeat\n\n")
			if out.Flush() != nil || rc.Flush() != nil {
				return
			}
		case <-r.Context().Done():
			return
		case <-h.ctx.Done():
			return
		}
	}
}

// maxRangesPerRead bounds the id ranges one read names.
const maxRangesPerRead = 32

// send writes one batch of the rows in want (sorted spans) and returns the
// new coverage: mine plus what was read, each event carrying the coverage
// up to its row so that a resumed stream repeats nothing.
func (h *tailHub) send(ctx context.Context, out *bufio.Writer, conds []condition, mine coverage, want []span) (coverage, error) {
	ctx, cancel := context.WithTimeout(ctx, h.e.cfg.QueryTimeout)
	defer cancel()
	s, err := h.e.schema.get(ctx)
	if err != nil {
		return mine, err
	}
	want = want[:min(len(want), maxRangesPerRead)]
	args := make([]any, 0, 2*len(want)+len(conds)+1)
	for _, x := range want {
		args = append(args, x.lo, x.hi)
	}
	wh := scope{conds: conds, win: window{all: true}}.where(s)
	stmt := render("tail.sql", stmtData{Table: s.table, ID: quote(&s.id), Columns: selectList(s.cols),
		Ranges: idRanges(quote(&s.id), len(want)), Where: wh.String()})
	logs, err := h.e.readLogs(ctx, s, stmt, append(append(args, wh.args...), h.cfg.BatchSize))
	if err != nil {
		return mine, err
	}
	for _, l := range logs {
		data, err := json.Marshal(l.log)
		if err != nil {
			return mine, err
		}
		at := mine.with(want, l.id)
		_, _ = out.WriteString("id: " + at.String() + "\ndata: ")
		_, _ = out.Write(data)
		_, _ = out.WriteString("\n\n")
	}
	if len(logs) < h.cfg.BatchSize {
		return mine.with(want, math.MaxInt64), nil
	}
	return mine.with(want, logs[len(logs)-1].id), nil
}
