package main

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func simple(id string, code int) call {
	c := call{id: id, method: "POST", path: "/v1/chat/completions", status: code,
		attrs: map[string]any{"response.code": code, "request.duration": int64(5e6),
			"route_name": "model-api-chat-0", "cluster_name": "outbound|443||llm.dns"}}
	if code == 0 {
		c.status = 0
		delete(c.attrs, "response.code")
	}
	return c
}

// 10,000 requests with the default batch size give ⌈10,000 ÷ 100⌉ POSTs,
// each a JSON array, every request id exactly once.
func TestTenThousandRequestsInBatches(t *testing.T) {
	inBothModes(t, func(t *testing.T) {
		g := newGateway(t, dropInConfig())
		const n, perPost = 10_000, defaultMaxEntriesPerPost
		var posts []post
		ok := func(int) int { return 200 }
		for i := range n {
			g.do(simple(fmt.Sprintf("req-%05d", i), 200))
			if i%1000 == 999 {
				posts = append(posts, g.ticks(1, ok)...) // the host timer runs on
			}
		}
		posts = append(posts, g.flush()...)
		require.Len(t, posts, (n+perPost-1)/perPost)
		seen := map[string]int{}
		for i, p := range posts {
			require.Len(t, p.entries, perPost, "POST %d", i)
			assert.Equal(t, byte('['), p.json[0])
			for _, e := range p.entries {
				seen[e["request_id"].(string)]++
			}
		}
		require.Len(t, seen, n)
		for id, k := range seen {
			require.Equal(t, 1, k, id)
		}
		assert.Equal(t, uint64(n), g.counter("entries_logged"))
		assert.Equal(t, uint64(n), g.counter("entries_sent"))
		assert.Zero(t, g.counter("flushes_failed"))
		assert.Zero(t, g.gauge("buffered_bytes"))
	})
}

// An open batch goes out one flush interval after its first entry, without
// waiting to be full.
func TestFlushInterval(t *testing.T) {
	inGoMode(t, func(t *testing.T) {
		g := newGateway(t, withConfig(map[string]any{"flush_interval_ms": 300}))
		g.do(simple("late-1", 200))
		ok := func(int) int { return 200 }
		assert.Empty(t, g.ticks(2, ok))
		posts := g.ticks(1, ok)
		require.Len(t, posts, 1)
		assert.Len(t, posts[0].entries, 1)
	})
}

// A reload parses the configuration again on the same VM: what was
// buffered is sent, by one tick function.
func TestReloadKeepsTheBufferAndOneTick(t *testing.T) {
	inGoMode(t, func(t *testing.T) {
		g := newGateway(t, withConfig(map[string]any{"flush_interval_ms": 10_000}))
		for i := range 3 {
			g.do(simple(fmt.Sprintf("reload-%d", i), 200))
		}
		require.Equal(t, true, bool(g.host.StartPlugin()))
		ok := func(int) int { return 200 }
		// 100 ticks from the first entry; two tick functions would get there in 50.
		assert.Empty(t, g.ticks(99, ok))
		posts := g.ticks(1, ok)
		require.Len(t, posts, 1)
		assert.Len(t, posts[0].entries, 3)
	})
}
