package higresslogreceiver

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/plog"
)

// gatedConsumer blocks every call until released and records call sizes.
type gatedConsumer struct {
	mu      sync.Mutex
	calls   []int
	entered chan struct{}
	gate    chan struct{}
	err     error
}

func (g *gatedConsumer) ConsumeLogs(_ context.Context, ld plog.Logs) error {
	g.mu.Lock()
	g.calls = append(g.calls, ld.LogRecordCount())
	g.mu.Unlock()
	g.entered <- struct{}{}
	<-g.gate
	return g.err
}

func (*gatedConsumer) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func oneRecord() plog.Logs {
	ld := plog.NewLogs()
	ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	return ld
}

func TestGroupCommitGroupsWhileBusy(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
	}{{"success", nil}, {"error reaches every grouped request", errors.New("queue full")}} {
		t.Run(tt.name, func(t *testing.T) {
			next := &gatedConsumer{entered: make(chan struct{}, 16), gate: make(chan struct{}), err: tt.err}
			gc := newGroupCommitter(next, 1, 0)

			results := make(chan error, 6)
			go func() { results <- gc.consume(context.Background(), oneRecord()) }()
			<-next.entered // the first request holds the only slot

			const waiting = 5
			var joined sync.WaitGroup
			for range waiting {
				joined.Add(1)
				go func() {
					joined.Done()
					results <- gc.consume(context.Background(), oneRecord())
				}()
			}
			joined.Wait()
			require.Eventually(t, func() bool {
				gc.mu.Lock()
				defer gc.mu.Unlock()
				return gc.pending != nil && gc.pending.ld.LogRecordCount() == waiting
			}, 5e9, 1e6, "the others wait in one group")

			close(next.gate) // release everything from here on
			<-next.entered   // the group's single call
			for range waiting + 1 {
				assert.Equal(t, tt.err, <-results)
			}
			next.mu.Lock()
			assert.Equal(t, []int{1, waiting}, next.calls)
			next.mu.Unlock()
			assert.Eventually(t, func() bool {
				gc.mu.Lock()
				defer gc.mu.Unlock()
				return gc.inflight == 0
			}, 5e9, 1e6, "every slot is released")
		})
	}
}

func TestGroupCommitLoneRequestGoesStraightThrough(t *testing.T) {
	next := &gatedConsumer{entered: make(chan struct{}, 4), gate: make(chan struct{})}
	close(next.gate)
	gc := newGroupCommitter(next, 2, 0)
	for range 3 {
		require.NoError(t, gc.consume(context.Background(), oneRecord()))
	}
	assert.Equal(t, []int{1, 1, 1}, next.calls)
}

// Under concurrent HTTP load every entry is delivered exactly once, with
// fewer pipeline calls than requests.
func TestGroupCommitUnderConcurrentPosts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		linger time.Duration
	}{{"no linger", 0}, {"linger 1ms", time.Millisecond}, {"linger 3ms", 3 * time.Millisecond}} {
		t.Run(tc.name, func(t *testing.T) {
			sink := &countingSink{next: func(context.Context, plog.Logs) error { return nil }}
			rcv := startReceiver(t, func(c *Config) { c.GroupCommit.Linger = tc.linger }, sink, nil)

			const posts = 400
			var wg sync.WaitGroup
			for i := range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := i; j < posts; j += 16 {
						resp, a := post(t, rcv.url+"/ingest", `{"request_id":"x"}`)
						assert.Equal(t, 200, resp.StatusCode, "%+v", a)
					}
				}()
			}
			wg.Wait()
			assert.Equal(t, posts, sink.records(), "every entry exactly once")
			assert.LessOrEqual(t, sink.calls(), posts)
			if tc.linger > 0 {
				assert.Less(t, sink.calls(), posts/2, "lingering groups requests")
			}
		})
	}
}

type countingSink struct {
	next consumerFunc
	mu   sync.Mutex
	n, c int
}

func (s *countingSink) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	s.mu.Lock()
	s.n += ld.LogRecordCount()
	s.c++
	s.mu.Unlock()
	return s.next(ctx, ld)
}
func (*countingSink) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }
func (s *countingSink) records() int                      { s.mu.Lock(); defer s.mu.Unlock(); return s.n }
func (s *countingSink) calls() int                        { s.mu.Lock(); defer s.mu.Unlock(); return s.c }

// With a linger, requests arriving while the first one waits share its
// call, even though a slot was free.
func TestGroupCommitLingerGathersRequests(t *testing.T) {
	next := &gatedConsumer{entered: make(chan struct{}, 16), gate: make(chan struct{})}
	close(next.gate)
	gc := newGroupCommitter(next, 2, time.Second)

	results := make(chan error, 4)
	go func() { results <- gc.consume(context.Background(), oneRecord()) }()
	require.Eventually(t, func() bool {
		gc.mu.Lock()
		defer gc.mu.Unlock()
		return gc.lingering != nil
	}, 5*time.Second, time.Millisecond, "the first request leads a group")
	for range 3 {
		go func() { results <- gc.consume(context.Background(), oneRecord()) }()
	}
	for range 4 {
		require.NoError(t, <-results)
	}
	next.mu.Lock()
	assert.Equal(t, []int{4}, next.calls, "one call carried all four")
	next.mu.Unlock()
	gc.mu.Lock()
	assert.Equal(t, 0, gc.inflight)
	gc.mu.Unlock()
}

// blockingConsumer blocks each call until its context ends, like a full
// sending queue with block_on_overflow.
type blockingConsumer struct{ entered chan struct{} }

func (b *blockingConsumer) ConsumeLogs(ctx context.Context, _ plog.Logs) error {
	b.entered <- struct{}{}
	<-ctx.Done()
	return ctx.Err()
}
func (*blockingConsumer) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

// A grouped call blocked on a full queue is cancelled once every request
// in the group has given up, and not before: the slot comes back.
func TestGroupCommitCancelsWhenEveryoneGaveUp(t *testing.T) {
	next := &blockingConsumer{entered: make(chan struct{}, 4)}
	gc := newGroupCommitter(next, 1, 300*time.Millisecond)
	ctx1, cancel1 := context.WithCancel(context.Background())
	ctx2, cancel2 := context.WithCancel(context.Background())
	results := make(chan error, 2)
	go func() { results <- gc.consume(ctx1, oneRecord()) }()
	require.Eventually(t, func() bool {
		gc.mu.Lock()
		defer gc.mu.Unlock()
		return gc.lingering != nil
	}, 5*time.Second, 100*time.Microsecond)
	go func() { results <- gc.consume(ctx2, oneRecord()) }()
	<-next.entered

	cancel2()
	assert.ErrorIs(t, <-results, context.Canceled, "the second sender gave up")
	select {
	case <-next.entered:
		t.Fatal("no second call expected")
	case <-time.After(50 * time.Millisecond):
	}
	gc.mu.Lock()
	assert.Equal(t, 1, gc.inflight, "the group still runs for the first sender")
	gc.mu.Unlock()

	cancel1()
	assert.ErrorIs(t, <-results, context.Canceled)
	assert.Eventually(t, func() bool {
		gc.mu.Lock()
		defer gc.mu.Unlock()
		return gc.inflight == 0
	}, 5*time.Second, time.Millisecond, "the slot is released")
}

// Shutdown waits for a grouped call whose senders all gave up, and a group
// still waiting for a slot when shutdown begins never reaches the pipeline.
func TestGroupCommitShutdownWaitsForEveryCall(t *testing.T) {
	next := &gatedConsumer{entered: make(chan struct{}, 4), gate: make(chan struct{})}
	gc := newGroupCommitter(next, 1, 0)
	first := make(chan error, 1)
	go func() { first <- gc.consume(context.Background(), oneRecord()) }()
	<-next.entered // the first request holds the only slot

	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error, 1)
	go func() { gaveUp <- gc.consume(ctx, oneRecord()) }()
	require.Eventually(t, func() bool {
		gc.mu.Lock()
		defer gc.mu.Unlock()
		return gc.pending != nil
	}, 5*time.Second, time.Millisecond)
	cancel()
	assert.ErrorIs(t, <-gaveUp, context.Canceled, "the sender gave up; its entries are still in the pending group")

	shut := make(chan error, 1)
	go func() { shut <- gc.shutdown(context.Background()) }()
	select {
	case err := <-shut:
		t.Fatalf("shutdown returned (%v) while a pipeline call was running", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(next.gate)
	require.NoError(t, <-first)
	require.NoError(t, <-shut)
	next.mu.Lock()
	assert.Equal(t, []int{1}, next.calls, "the pending group was not handed over after shutdown began")
	next.mu.Unlock()
	assert.ErrorIs(t, gc.consume(context.Background(), oneRecord()), errShuttingDown)
}

// Shutdown ends a linger at once instead of sleeping it out.
func TestGroupCommitShutdownEndsLinger(t *testing.T) {
	next := &gatedConsumer{entered: make(chan struct{}, 4), gate: make(chan struct{})}
	close(next.gate)
	gc := newGroupCommitter(next, 1, time.Hour)
	result := make(chan error, 1)
	go func() { result <- gc.consume(context.Background(), oneRecord()) }()
	require.Eventually(t, func() bool {
		gc.mu.Lock()
		defer gc.mu.Unlock()
		return gc.lingering != nil
	}, 5*time.Second, time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, gc.shutdown(ctx), "a linger of an hour must not hold shutdown")
	<-result
}
