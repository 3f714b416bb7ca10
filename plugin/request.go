package main

import (
	"strings"
	"time"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm"
	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/higress-group/wasm-go/pkg/wrapper"
)

// stateKey is where a request's state lives in its HTTP context.
const stateKey = "otelcol-log-pusher"

// consumerHeader is the header Higress's auth plugins (key-auth, basic-auth,
// jwt-auth) add with the authenticated consumer's name.
const consumerHeader = "x-mse-consumer"

// request is what the plugin keeps of one request between its callbacks:
// the decisions taken when the request starts, the consumer the client
// itself sent, the body sniffer and, when configured, a bounded copy of the
// bodies. Every value a later filter may set is read in the log phase.
type request struct {
	start time.Time // fallback when Envoy has no request.time

	keep bool // in the sample
	// clientConsumer are the x-mse-consumer values the request came with:
	// the plugin runs first in the chain, before any auth plugin, so these
	// are what the client sent, which no one vouches for.
	clientConsumer []string
	reqBodyMax     int // the configured capture, 0 for a request out of the sample
	req, resp      capture
	sniffing       bool // the request body is JSON and its model or tool is looked for
	sniff          bodySniffer
}

// capture copies at most limit bytes of a body as it passes.
type capture struct {
	limit     int
	buf       []byte
	truncated bool // bytes beyond limit were seen
}

// full: nothing more is copied.
func (c *capture) full() bool { return c.limit == 0 || c.truncated }

// take copies what fits of chunk and marks a body longer than the limit.
func (c *capture) take(chunk []byte) {
	if room := c.limit - len(c.buf); room > 0 {
		n := min(room, len(chunk))
		c.buf = append(c.buf, chunk[:n]...)
		chunk = chunk[n:]
	}
	if len(chunk) > 0 {
		c.truncated = true
	}
}

// body returns the first max bytes kept and whether the body was longer.
func (c *capture) body(max int) (string, bool) {
	if max <= 0 {
		return "", false
	}
	if len(c.buf) > max {
		return string(c.buf[:max]), true
	}
	return string(c.buf), c.truncated
}

func stateOf(ctx wrapper.HttpContext) *request {
	r, _ := ctx.GetContext(stateKey).(*request)
	return r
}

// onRequestHeaders takes the decisions that cannot wait: the sample (by
// x-request-id, which Envoy's connection manager sets before any filter),
// which bodies to read, and what the client sent as consumer.
func onRequestHeaders(ctx wrapper.HttpContext, cfg pluginConfig) types.Action {
	requestID, _ := proxywasm.GetHttpRequestHeader("x-request-id")
	r := &request{start: time.Now(), keep: sampled(cfg.sampleRate, requestID)}
	if _, err := proxywasm.GetHttpRequestHeader(consumerHeader); err == nil {
		hs, _ := proxywasm.GetHttpRequestHeaders()
		r.clientConsumer = headerValues(hs, consumerHeader)
	}
	if r.keep {
		r.reqBodyMax = cfg.reqBodyMax
	}
	r.req.limit = r.reqBodyMax
	contentType, _ := proxywasm.GetHttpRequestHeader("content-type")
	r.sniffing = (r.keep || cfg.alwaysLogErrors) && strings.Contains(contentType, "json")
	if !ctx.HasRequestBody() || (r.req.full() && !r.sniffing) {
		ctx.DontReadRequestBody()
	}
	ctx.SetContext(stateKey, r)
	return types.ActionContinue
}

// onRequestBody copies and sniffs what it needs and returns the chunk
// unchanged; once it needs nothing more it stops reading the body.
func onRequestBody(ctx wrapper.HttpContext, _ pluginConfig, chunk []byte, _ bool) []byte {
	r := stateOf(ctx)
	if r == nil {
		return chunk
	}
	if !r.req.full() {
		r.req.take(chunk)
	}
	if r.sniffing && !r.sniff.done {
		r.sniff.feed(chunk)
	}
	if r.req.full() && (!r.sniffing || r.sniff.done) {
		ctx.DontReadRequestBody()
	}
	return chunk
}

func onResponseHeaders(ctx wrapper.HttpContext, cfg pluginConfig) types.Action {
	r := stateOf(ctx)
	if r == nil {
		return types.ActionContinue
	}
	if r.keep && cfg.respBodyMax > 0 && ctx.HasResponseBody() {
		r.resp.limit = cfg.respBodyMax
	} else {
		ctx.DontReadResponseBody()
	}
	return types.ActionContinue
}

// onResponseBody copies what it keeps and returns the chunk unchanged: an
// SSE stream reaches the client chunk by chunk.
func onResponseBody(ctx wrapper.HttpContext, _ pluginConfig, chunk []byte, _ bool) []byte {
	r := stateOf(ctx)
	if r == nil {
		return chunk
	}
	r.resp.take(chunk)
	if r.resp.full() {
		ctx.DontReadResponseBody()
	}
	return chunk
}

// headerValues are the values of header name, in the order Envoy holds
// them (a filter's AddHttpRequestHeader appends).
func headerValues(hs [][2]string, name string) []string {
	var out []string
	for _, h := range hs {
		if h[0] == name {
			out = append(out, h[1])
		}
	}
	return out
}
