package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
)

// errShuttingDown refuses requests that arrive while the receiver stops.
var errShuttingDown = errors.New("the receiver is shutting down")

// groupCommitter hands entries to the pipeline the way a database commits
// transactions in groups. Up to maxInflight ConsumeLogs calls run at once;
// a request that arrives while all are busy joins the next group, which is
// handed over as a single call as soon as a slot frees. Every request still
// waits for the call that carries its entries, so a 2xx keeps meaning "the
// pipeline took it" (persisted, with a persistent queue).
//
// Why: db-log-pusher sends one entry per POST, and the persistent sending
// queue pays a few fsynced writes per ConsumeLogs call. Under concurrency,
// grouping turns N calls into one without adding latency when idle (a lone
// request goes straight through).
type groupCommitter struct {
	next        consumer.Logs
	maxInflight int
	// linger: a call that finds a free slot waits this long for others to
	// join it (0: it runs at once). It trades that much latency for fewer,
	// larger pipeline calls — with a persistent queue, fewer fsyncs.
	linger time.Duration

	mu       sync.Mutex
	inflight int
	// pending waits for a free slot; lingering holds a slot and waits for
	// the linger to end. New requests join lingering first.
	pending   *commitGroup
	lingering *commitGroup

	// closed: shutdown has begun; no new call starts. stop ends lingers,
	// stopCalls cancels the calls of groups nobody waits for any more.
	closed    bool
	stop      chan struct{}
	stopCalls context.CancelFunc
	base      context.Context
	// calls counts every pipeline call and goroutine in progress, so that
	// shutdown can wait for them.
	calls sync.WaitGroup
}

type commitGroup struct {
	ctx    context.Context
	cancel context.CancelFunc
	ld     plog.Logs
	done   chan struct{}
	err    error
	// waiting counts the requests whose senders still wait for this
	// group (guarded by groupCommitter.mu). When the last one gives up,
	// the group's call is cancelled: a call blocked on a full queue
	// (block_on_overflow) then returns instead of holding a slot.
	// Nothing is lost that was acknowledged.
	waiting int
}

func newGroupCommitter(next consumer.Logs, maxInflight int, linger time.Duration) *groupCommitter {
	base, cancel := context.WithCancel(context.Background())
	return &groupCommitter{next: next, maxInflight: max(maxInflight, 1), linger: linger,
		stop: make(chan struct{}), base: base, stopCalls: cancel}
}

// consume hands ld to the pipeline, alone or with concurrent requests, and
// returns the result of the call that carried it.
func (c *groupCommitter) consume(ctx context.Context, ld plog.Logs) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return errShuttingDown
	}
	g := c.lingering
	switch {
	case g != nil:
		// Join the group that is gathering requests.
	case c.inflight < c.maxInflight && c.pending == nil:
		c.inflight++
		c.calls.Add(1)
		defer c.calls.Done()
		if c.linger <= 0 {
			c.mu.Unlock()
			err := c.next.ConsumeLogs(ctx, ld)
			c.release()
			return err
		}
		// Lead a group: hold the slot while others join, then run it.
		g = c.newGroup(ctx)
		c.lingering = g
		stop := c.join(ctx, g, ld)
		c.mu.Unlock()
		c.wait(c.linger)
		c.mu.Lock()
		c.lingering = nil
		c.mu.Unlock()
		c.run(g)
		stop()
		return g.err
	default:
		if c.pending == nil {
			c.pending = c.newGroup(ctx)
		}
		g = c.pending
	}
	stop := c.join(ctx, g, ld)
	c.mu.Unlock()

	select {
	case <-g.done:
		stop()
		return g.err
	case <-ctx.Done():
		// The entries are in the group and will be handed over; the
		// sender gave up waiting, so it cannot be told they were taken.
		return ctx.Err()
	}
}

// wait sleeps for d, or less when shutdown begins.
func (c *groupCommitter) wait(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-c.stop:
	}
}

// newGroup starts a group. Requests in a group may carry different
// contexts (deadlines, client info); the group runs under the first one's
// values, detached from its cancellation since others wait on it too, and
// cancelled when none waits any more or when shutdown begins.
func (c *groupCommitter) newGroup(ctx context.Context) *commitGroup {
	gctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stopAfter := context.AfterFunc(c.base, cancel)
	return &commitGroup{ctx: gctx, cancel: func() { stopAfter(); cancel() }, ld: plog.NewLogs(), done: make(chan struct{})}
}

// join adds a request's entries to g and counts the request as waiting
// until its context ends. Call stop once the request has its answer, so
// that it is not counted as gone later. Called with mu held.
func (c *groupCommitter) join(ctx context.Context, g *commitGroup, ld plog.Logs) (stop func() bool) {
	ld.ResourceLogs().MoveAndAppendTo(g.ld.ResourceLogs())
	g.waiting++
	return context.AfterFunc(ctx, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if g.waiting--; g.waiting == 0 {
			g.cancel()
		}
	})
}

// release frees the caller's slot. A group waiting for it is run in the
// slot by a new goroutine, so the caller answers its sender without waiting
// for other requests' entries. Once shutdown has begun it is not run: its
// requests were either answered by the server's shutdown or gave up, so
// none of its entries was acknowledged.
func (c *groupCommitter) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.pending
	if g == nil || c.closed {
		c.pending = nil
		c.inflight--
		if g != nil {
			g.err = errShuttingDown
			g.cancel()
			close(g.done)
		}
		return
	}
	c.pending = nil
	c.calls.Add(1) // the caller's call still counts, so Wait has not returned
	go func() {
		defer c.calls.Done()
		c.run(g)
	}()
}

func (c *groupCommitter) run(g *commitGroup) {
	g.err = c.next.ConsumeLogs(g.ctx, g.ld)
	g.cancel()
	close(g.done)
	c.release()
}

// shutdown starts no new call, ends lingers, cancels the calls nobody
// waits for and waits for every call and goroutine to finish, so that
// nothing calls the next consumer once it returns.
func (c *groupCommitter) shutdown(ctx context.Context) error {
	c.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.stop)
	}
	c.mu.Unlock()
	c.stopCalls()
	done := make(chan struct{})
	go func() {
		c.calls.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
