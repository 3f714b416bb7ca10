package main

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A collector that is down (Envoy answers 503), fails (500) or does not
// answer in time gets max_retries more attempts, spaced by the backoff;
// then the batch is dropped and counted, and the next batch goes out.
func TestRetriesThenDrop(t *testing.T) {
	inBothModes(t, func(t *testing.T) {
		g := newGateway(t, withConfig(map[string]any{"max_retries": 2, "flush_interval_ms": 100, "max_entries_per_post": 10}))
		for i := range 10 {
			g.do(simple(fmt.Sprintf("lost-%d", i), 200))
		}
		// Tick 1: first POST (503). Backoff 1 tick: tick 2, second POST
		// (500). Backoff 2 ticks: tick 4, third POST, no answer (timeout).
		answers := []int{503, 500, 0}
		var when []int
		var posts []post
		for tick := 1; tick <= 20; tick++ {
			p := g.ticks(1, func(i int) int { return answers[len(posts)+i] })
			for range p {
				when = append(when, tick)
			}
			posts = append(posts, p...)
		}
		require.Len(t, posts, 3, "1 attempt + max_retries")
		assert.Equal(t, []int{1, 2, 4}, when)
		for _, p := range posts {
			assert.Len(t, p.entries, 10)
		}
		assert.Equal(t, uint64(3), g.counter("flushes_failed"))
		assert.Equal(t, uint64(10), g.counter("entries_dropped_retries_exhausted"))
		assert.Zero(t, g.counter("entries_sent"))
		assert.Zero(t, g.gauge("buffered_bytes"))

		// The collector is back: the next batch is sent.
		g.do(simple("kept-1", 200))
		p := g.ticks(2, func(int) int { return 200 })
		require.Len(t, p, 1)
		assert.Equal(t, "kept-1", p[0].entries[0]["request_id"])
		assert.Equal(t, uint64(1), g.counter("entries_sent"))
	})
}

// A 4xx other than 408/429 will be refused again: dropped at once, counted.
func TestRejectedBatchIsNotRetried(t *testing.T) {
	inGoMode(t, func(t *testing.T) {
		g := newGateway(t, withConfig(map[string]any{"flush_interval_ms": 100}))
		g.do(simple("bad-1", 200))
		posts := g.ticks(30, func(int) int { return 401 })
		require.Len(t, posts, 1)
		assert.Equal(t, uint64(1), g.counter("entries_dropped_rejected"))
		assert.Equal(t, uint64(1), g.counter("flushes_failed"))

		g.do(simple("busy-1", 200))
		posts = g.ticks(30, func(i int) int { return []int{429, 200}[i] })
		require.Len(t, posts, 2, "429 is retried")
		assert.Equal(t, uint64(1), g.counter("entries_sent"))
	})
}

// A call whose callback never comes (its root context was replaced) counts
// as failed once the timeout has passed, and the batch is sent again.
func TestCallWithoutAnswerIsRetried(t *testing.T) {
	inGoMode(t, func(t *testing.T) {
		g := newGateway(t, withConfig(map[string]any{"flush_interval_ms": 100, "collector_timeout_ms": 1000}))
		g.do(simple("lost-call", 200))
		g.host.Tick()
		require.Len(t, g.pending(), 1)
		for range 19 { // timeout (10 ticks) + margin (10 ticks)
			g.host.Tick()
		}
		assert.Len(t, g.pending(), 1, "not given up before timeout + margin")
		g.host.Tick()
		assert.Equal(t, uint64(1), g.counter("flushes_failed"))
		// The given-up call is answered first, late, with an error: that
		// changes nothing; the retry's answer counts.
		posts := g.ticks(5, func(i int) int { return []int{500, 200}[i] })
		require.Len(t, posts, 2)
		assert.Equal(t, uint64(1), g.counter("entries_sent"))
		assert.Equal(t, uint64(1), g.counter("flushes_failed"))
	})
}

// With the collector unreachable, the buffer stays within
// max_buffered_bytes; what does not fit is dropped and counted, and
// logged + dropped accounts for every request.
func TestBufferLimit(t *testing.T) {
	inBothModes(t, func(t *testing.T) {
		const limit = 16 << 10
		g := newGateway(t, withConfig(map[string]any{"max_buffered_bytes": limit, "max_entries_per_post": 10, "flush_interval_ms": 100}))
		const n = 2000
		for i := range n {
			g.do(simple(fmt.Sprintf("flood-%04d", i), 200))
			if i%100 == 0 {
				g.host.Tick() // the call goes out and is never answered
			}
			require.LessOrEqual(t, g.gauge("buffered_bytes"), uint64(limit))
		}
		logged, dropped := g.counter("entries_logged"), g.counter("entries_dropped_buffer_full")
		assert.Equal(t, uint64(n), logged+dropped)
		assert.Greater(t, dropped, uint64(n/2), "most of the flood did not fit")
		assert.Greater(t, logged, uint64(0))
	})
}
