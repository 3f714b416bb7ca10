package main

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A 1,000-chunk SSE response reaches the client chunk by chunk, each chunk
// unchanged and none held back, with body capture on; the capture stops at
// its limit and marks the truncation.
func TestSSEPassesThroughChunkByChunk(t *testing.T) {
	inBothModes(t, func(t *testing.T) {
		g := newGateway(t, withConfig(map[string]any{"response_body_max_bytes": 100}))
		chunks := make([][]byte, 1000)
		for i := range chunks {
			chunks[i] = fmt.Appendf(nil, "data: {\"choices\":[{\"delta\":{\"content\":\"%04d\"}}]}\n\n", i)
		}
		// do checks that the host holds each chunk, unchanged, after the
		// plugin's callback; the action says nothing is buffered.
		actions := g.do(call{id: "sse-1", method: "POST", path: "/v1/chat/completions",
			reqHeaders: [][2]string{{"content-type", "application/json"}},
			reqBody:    [][]byte{[]byte(`{"model":"m","stream":true}`)},
			status:     200, respHeaders: [][2]string{{"content-type", "text/event-stream"}},
			respBody: chunks, attrs: map[string]any{"response.code": 200}})
		require.Len(t, actions, 1000)
		for i, a := range actions {
			require.Equal(t, types.ActionContinue, a, "chunk %d", i)
		}
		e := entries(g.flush())
		require.Len(t, e, 1)
		assert.Equal(t, string(bytes.Join(chunks, nil)[:100]), e[0]["resp_body"])
		assert.Equal(t, true, e[0]["resp_body_truncated"])
		assert.NotContains(t, e[0], "req_body", "request capture is off")
	})
}

func TestCaptureLimits(t *testing.T) {
	for name, tc := range map[string]struct {
		limit     int
		chunks    []string
		body      string
		truncated bool
	}{
		"shorter":              {10, []string{"abc", "de"}, "abcde", false},
		"exactly the limit":    {5, []string{"abc", "de"}, "abcde", false},
		"exact then more":      {5, []string{"abcde", "f"}, "abcde", true},
		"cut inside a chunk":   {4, []string{"abc", "def", "ghi"}, "abcd", true},
		"empty chunks":         {3, []string{"", "ab", "", "c", ""}, "abc", false},
		"limit before a chunk": {2, []string{"", "abc"}, "ab", true},
	} {
		t.Run(name, func(t *testing.T) {
			c := capture{limit: tc.limit}
			for _, ch := range tc.chunks {
				c.take([]byte(ch))
				if c.full() {
					break // the plugin stops reading the body
				}
			}
			body, truncated := c.body(tc.limit)
			assert.Equal(t, tc.body, body)
			assert.Equal(t, tc.truncated, truncated)
			assert.LessOrEqual(t, len(c.buf), tc.limit, "copied more than the limit")
		})
	}
}

// ai_log that ai-statistics (later in the chain, so after this plugin's
// response callbacks) completes with the stream's usage at the last chunk
// is in the entry complete.
func TestAILogWrittenAfterThePluginsCallbacks(t *testing.T) {
	inGoMode(t, func(t *testing.T) {
		g := newGateway(t, dropInConfig())
		chunks := sseChunks(5)
		g.do(call{id: "ai-1", method: "POST", path: "/v1/chat/completions", status: 200,
			respHeaders: [][2]string{{"content-type", "text/event-stream"}}, respBody: chunks,
			afterResponseChunk: func(i int) {
				ai := map[string]any{"model": "qwen-max", "response_type": "stream"}
				if i == len(chunks)-1 {
					ai["input_token"], ai["output_token"], ai["total_token"] = 12, 345, 357
				}
				g.writeAILog(ai)
			},
			attrs: map[string]any{"response.code": 200}})
		e := entries(g.flush())
		require.Len(t, e, 1)
		assert.Equal(t, map[string]any{"model": "qwen-max", "response_type": "stream",
			"input_token": 12.0, "output_token": 345.0, "total_token": 357.0}, e[0]["ai_log"])
	})
}
