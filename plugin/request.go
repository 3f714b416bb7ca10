package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm"
	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/higress-group/wasm-go/pkg/wrapper"
)

// stateKey is where a request's state lives in its HTTP context.
const stateKey = "otelcol-log-pusher"

// sniffBytes of a JSON request body are kept (even with body capture off)
// to find the requested model and an MCP tool name, which come first in
// the requests that carry them.
const sniffBytes = 4096

// request is what the plugin keeps of one request until its stream is
// done: a few header values and, when configured, a bounded copy of the
// bodies. Nothing of the stream itself is held back.
type request struct {
	start time.Time // fallback when Envoy has no request.time

	method, path, authority       string
	requestID, traceID, userAgent string
	forwardedFor, consumer        string
	mcpServer, mcpTool            string
	status                        int
	upstreamServiceTime           string
	keep                          bool // in the sample
	reqHeaders, respHeaders       map[string]string
	req, resp                     capture
	reqBodyMax                    int // the configured capture; req.limit may be larger to sniff
}

// capture copies at most limit bytes of a body as it passes.
type capture struct {
	limit     int
	buf       []byte
	truncated bool // bytes beyond limit were seen
}

// take copies what fits of chunk; false once the body is longer than the
// limit, when there is nothing more to read.
func (c *capture) take(chunk []byte) bool {
	if room := c.limit - len(c.buf); room > 0 {
		n := min(room, len(chunk))
		c.buf = append(c.buf, chunk[:n]...)
		chunk = chunk[n:]
	}
	if len(chunk) > 0 {
		c.truncated = true
		return false
	}
	return true
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

func header(name string) string {
	v, _ := proxywasm.GetHttpRequestHeader(name)
	return v
}

func onRequestHeaders(ctx wrapper.HttpContext, cfg pluginConfig) types.Action {
	r := &request{
		start:        time.Now(),
		method:       ctx.Method(),
		path:         ctx.Path(),
		authority:    ctx.Host(),
		requestID:    header("x-request-id"),
		traceID:      traceID(),
		userAgent:    header("user-agent"),
		forwardedFor: header("x-forwarded-for"),
		consumer:     header("x-mse-consumer"),
		mcpServer:    header("x-envoy-mcp-server-name"),
		mcpTool:      header("x-envoy-mcp-tool-name"),
	}
	r.keep = sampled(cfg.sampleRate, r.requestID)
	if r.keep && cfg.capturesHeaders() {
		hs, _ := proxywasm.GetHttpRequestHeaders()
		r.reqHeaders = cfg.pickHeaders(hs)
	}
	if r.keep {
		r.reqBodyMax = cfg.reqBodyMax
	}
	r.req.limit = r.reqBodyMax
	if (r.keep || cfg.alwaysLogErrors) && strings.Contains(header("content-type"), "json") {
		r.req.limit = max(r.req.limit, sniffBytes)
	}
	if r.req.limit == 0 || !ctx.HasRequestBody() {
		ctx.DontReadRequestBody()
	}
	ctx.SetContext(stateKey, r)
	return types.ActionContinue
}

// onRequestBody copies what it keeps and returns the chunk unchanged.
func onRequestBody(ctx wrapper.HttpContext, _ pluginConfig, chunk []byte, _ bool) []byte {
	if r := stateOf(ctx); r != nil && !r.req.take(chunk) {
		ctx.DontReadRequestBody()
	}
	return chunk
}

func onResponseHeaders(ctx wrapper.HttpContext, cfg pluginConfig) types.Action {
	r := stateOf(ctx)
	if r == nil {
		return types.ActionContinue
	}
	if v, err := proxywasm.GetHttpResponseHeader(":status"); err == nil {
		r.status, _ = strconv.Atoi(v)
	}
	r.upstreamServiceTime, _ = proxywasm.GetHttpResponseHeader("x-envoy-upstream-service-time")
	if r.keep && cfg.capturesHeaders() {
		hs, _ := proxywasm.GetHttpResponseHeaders()
		r.respHeaders = cfg.pickHeaders(hs)
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
	if r := stateOf(ctx); r != nil && !r.resp.take(chunk) {
		ctx.DontReadResponseBody()
	}
	return chunk
}

// traceID is the B3 trace id, else the W3C traceparent's.
func traceID() string {
	if v := header("x-b3-traceid"); v != "" {
		return v
	}
	// traceparent: version-traceid-parentid-flags
	if parts := strings.Split(header("traceparent"), "-"); len(parts) == 4 && len(parts[1]) == 32 {
		return parts[1]
	}
	return ""
}

func (c *pluginConfig) capturesHeaders() bool { return c.captureAll || len(c.captureHeaders) > 0 }

// pickHeaders keeps the configured headers, with redacted ones' values
// replaced; repeated headers are joined with commas.
func (c *pluginConfig) pickHeaders(hs [][2]string) map[string]string {
	m := make(map[string]string, len(hs))
	for _, h := range hs {
		name := strings.ToLower(h[0])
		if !c.captureAll && !c.captureHeaders[name] {
			continue
		}
		v := h[1]
		if c.redactHeaders[name] {
			v = redacted
		} else if old, ok := m[name]; ok {
			v = old + "," + v
		}
		m[name] = v
	}
	return m
}
