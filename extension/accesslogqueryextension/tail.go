package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"
)

// retryMillis is the reconnect delay the stream suggests to EventSource.
const retryMillis = 2000

// tailHub runs GET /tail: it caps concurrent tails and keeps the committed
// watermark (watermark.go) while at least one tail is open.
type tailHub struct {
	e     *queryExtension
	cfg   *TailConfig
	ctx   context.Context // ends at Shutdown
	slots chan struct{}
	wg    sync.WaitGroup

	mu      sync.Mutex
	tails   int
	running bool
	ready   bool  // safe and latest have been read in this run
	safe    int64 // committed watermark
	latest  int64 // newest id at the last poll
	changed chan struct{}

	// Touched by the polling goroutine only.
	history []seenMax
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
		h.running, h.ready = true, false
		h.history = nil
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

// state is the watermark, whether it is known, and a channel closed when
// it next changes.
func (h *tailHub) state() (safe, latest int64, ready bool, changed <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.safe, h.latest, h.ready, h.changed
}

func (h *tailHub) handle(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if err := checkParams(q, filterParams(), []string{paramLastEventID}); err != nil {
		writeError(w, h.e.logger, err)
		return
	}
	if h.cfg.MaxConcurrent == 0 {
		writeJSON(w, http.StatusNotFound, object{{"status", "error"}, {"error", "tail is turned off (tail::max_concurrent is 0)"}})
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
	cursor := int64(-1)
	if resume != "" {
		if cursor, err = strconv.ParseInt(resume, 10, 64); err != nil || cursor < 0 {
			writeError(w, h.e.logger, badf("Last-Event-ID must be an id this stream sent, got %q", resume))
			return
		}
	}
	select {
	case h.slots <- struct{}{}:
		defer func() { <-h.slots }()
	default:
		writeJSON(w, http.StatusTooManyRequests, object{{"status", "error"},
			{"error", "too many open tails (tail::max_concurrent " + strconv.Itoa(h.cfg.MaxConcurrent) + ")"}})
		return
	}
	h.subscribe()
	defer h.unsubscribe()

	if cursor < 0 {
		// Without a resume point the tail starts at the newest row.
		latest, err := h.awaitLatest(r.Context())
		if err != nil {
			writeError(w, h.e.logger, err)
			return
		}
		cursor = latest
	}
	h.stream(w, r, conds, cursor)
}

// awaitLatest waits for the first poll of this run.
func (h *tailHub) awaitLatest(ctx context.Context) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, h.e.cfg.QueryTimeout)
	defer cancel()
	for {
		_, latest, ready, changed := h.state()
		if ready {
			return latest, nil
		}
		select {
		case <-changed:
		case <-h.ctx.Done():
			return 0, context.Canceled
		case <-ctx.Done():
			return 0, errNoWatermark
		}
	}
}

// stream writes every committed row after cursor that matches conds, as
// `id: <row id>` / `data: <log JSON>` events, until the client leaves or
// the extension shuts down.
func (h *tailHub) stream(w http.ResponseWriter, r *http.Request, conds []condition, cursor int64) {
	rc := http.NewResponseController(w)
	// A tail lives longer than the server's write_timeout.
	_ = rc.SetWriteDeadline(time.Time{})
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	out := bufio.NewWriter(w)
	_, _ = out.WriteString("retry: " + strconv.Itoa(retryMillis) + "\n: tailing after id " + strconv.FormatInt(cursor, 10) + "\n\n")
	if out.Flush() != nil || rc.Flush() != nil {
		return
	}
	heartbeat := time.NewTicker(h.cfg.Heartbeat)
	defer heartbeat.Stop()
	for {
		safe, _, _, changed := h.state()
		if safe > cursor {
			next, err := h.send(r.Context(), out, conds, cursor, safe)
			if err != nil {
				if r.Context().Err() != nil {
					return
				}
				h.e.logger.Debug("tail: reading rows failed", zap.Error(err))
				_, _ = out.WriteString(": database unavailable, retrying\n\n")
			}
			cursor = next
			if out.Flush() != nil || rc.Flush() != nil {
				return
			}
			if err == nil && cursor < safe {
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

// send writes one batch of rows in (cursor, safe] and returns the new
// cursor: the last row sent, or safe once no row is left below it.
func (h *tailHub) send(ctx context.Context, out *bufio.Writer, conds []condition, cursor, safe int64) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, h.e.cfg.QueryTimeout)
	defer cancel()
	s, err := h.e.schema.get(ctx)
	if err != nil {
		return cursor, err
	}
	var wh where
	wh.conditions(conds)
	stmt := render("tail.sql", stmtData{Table: s.table, ID: quote(&s.id), Columns: selectList(s.cols), Where: wh.String()})
	rows, err := h.e.db.QueryContext(ctx, stmt, append([]any{cursor, safe}, append(wh.args, h.cfg.BatchSize)...)...)
	if err != nil {
		return cursor, err
	}
	defer rows.Close()
	logs, err := scanLogs(rows, s)
	if err != nil {
		return cursor, err
	}
	for _, l := range logs {
		data, err := json.Marshal(l.log)
		if err != nil {
			return cursor, err
		}
		_, _ = out.WriteString("id: " + strconv.FormatInt(l.id, 10) + "\ndata: ")
		_, _ = out.Write(data)
		_, _ = out.WriteString("\n\n")
		cursor = l.id
	}
	if len(logs) < h.cfg.BatchSize {
		cursor = safe
	}
	return cursor, nil
}
