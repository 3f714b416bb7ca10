package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Sampling at 10 % keeps about a tenth of the requests, decided by the
// request id, and every error (5xx, 4xx, no response).
func TestSamplingKeepsATenthAndEveryError(t *testing.T) {
	inGoMode(t, func(t *testing.T) {
		g := newGateway(t, withConfig(map[string]any{"sample_rate": 0.1}))
		const n = 10_000
		var posts []post
		ok := func(int) int { return 200 }
		errs := 0
		for i := range n {
			code := 200
			switch {
			case i%20 == 0:
				code = 503
			case i%97 == 0:
				code = 0 // the client went away
			}
			if isError(code) {
				errs++
			}
			g.do(simple(fmt.Sprintf("s-%05d", i), code))
			if i%1000 == 999 {
				posts = append(posts, g.ticks(1, ok)...)
			}
		}
		posts = append(posts, g.flush()...)
		es := entries(posts)
		kept, keptErrs := 0, 0
		for _, e := range es {
			if isError(int(e["response_code"].(float64))) {
				keptErrs++
			} else {
				kept++
			}
		}
		assert.Equal(t, errs, keptErrs, "every error is kept")
		ratio := float64(kept) / float64(n-errs)
		assert.InDelta(t, 0.10, ratio, 0.02, "kept %d of %d", kept, n-errs)
		assert.Equal(t, uint64(n-len(es)), g.counter("entries_sampled_out"))

		// The decision is the request id's: the same ids, the same sample.
		assert.Equal(t, sampled(0.1, "s-00001"), sampled(0.1, "s-00001"))
		again := 0
		for i := range n {
			if sampled(0.1, fmt.Sprintf("s-%05d", i)) {
				again++
			}
		}
		assert.InDelta(t, 0.10, float64(again)/n, 0.02)
	})
}

func TestSamplingWithoutAlwaysLogErrors(t *testing.T) {
	inGoMode(t, func(t *testing.T) {
		g := newGateway(t, withConfig(map[string]any{"sample_rate": 0.0, "always_log_errors": false}))
		g.do(simple("err-1", 503))
		assert.Empty(t, entries(g.flush()))
		assert.Equal(t, uint64(1), g.counter("entries_sampled_out"))
	})
}

// Credentials in captured headers never leave the plugin, nor reach the
// gateway's log; the ingest token is sent as a bearer token and the body
// is gzip-compressed.
func TestRedactionTokenAndGzip(t *testing.T) {
	inBothModes(t, func(t *testing.T) {
		g := newGateway(t, withConfig(map[string]any{"capture_headers": []string{"*"},
			"ingest_token": "ingest-tok-123", "gzip": true, "request_body_max_bytes": 32}))
		secrets := []string{"sk-secret-1", "sid=secret-2", "secret-3", "secret-4", "Basic secret-5"}
		g.do(call{id: "priv-1", method: "POST", path: "/v1/chat/completions",
			reqHeaders: [][2]string{{"authorization", "Bearer " + secrets[0]}, {"cookie", secrets[1]},
				{"x-api-key", secrets[2]}, {"proxy-authorization", secrets[4]}, {"content-type", "application/json"}},
			reqBody: [][]byte{[]byte(`{"model":"m"}`)},
			status:  200, respHeaders: [][2]string{{"set-cookie", secrets[3]}, {"content-type", "application/json"}},
			respBody: [][]byte{[]byte(`{}`)}, attrs: map[string]any{"response.code": 200}})
		posts := g.flush()
		require.Len(t, posts, 1)
		p := posts[0]
		assert.Equal(t, "Bearer ingest-tok-123", p.header("authorization"))
		assert.Equal(t, "gzip", p.header("content-encoding"))
		assert.NotEqual(t, p.json, p.body, "the body on the wire is compressed")
		wire := string(p.json) + string(p.body)
		logs := g.logs()
		for _, s := range append(secrets, "ingest-tok-123") {
			if s != "ingest-tok-123" {
				assert.NotContains(t, wire, s)
			}
			assert.NotContains(t, logs, s)
		}
		e := p.entries[0]
		for _, h := range []string{"authorization", "cookie", "x-api-key", "proxy-authorization"} {
			assert.Equal(t, "[redacted]", e["req_headers"].(map[string]any)[h], h)
		}
		assert.Equal(t, "[redacted]", e["resp_headers"].(map[string]any)["set-cookie"])
		assert.Equal(t, "application/json", e["req_headers"].(map[string]any)["content-type"])
		assert.False(t, strings.Contains(logs, `{"model":"m"}`), "no body in the gateway log")
	})
}

// Only the configured headers are captured; a redact_headers list replaces
// the default one.
func TestCaptureOnlyNamedHeaders(t *testing.T) {
	inGoMode(t, func(t *testing.T) {
		g := newGateway(t, withConfig(map[string]any{"capture_headers": []string{"X-Tenant", "x-secret"},
			"redact_headers": []string{"x-secret"}}))
		g.do(call{id: "named-1", reqHeaders: [][2]string{{"x-tenant", "t1"}, {"x-secret", "s"}, {"x-other", "o"}},
			status: 200, attrs: map[string]any{"response.code": 200}})
		e := entries(g.flush())[0]
		assert.Equal(t, map[string]any{"x-tenant": "t1", "x-secret": "[redacted]"}, e["req_headers"])
		assert.NotContains(t, e, "resp_headers", "none of the named headers in the response")
	})
}
