package main

import (
	"strconv"
	"strings"
)

// requestHeaders are the values the entry takes from the final request
// headers. Envoy keeps repeated headers as separate entries in arrival
// order, a filter's AddHttpRequestHeader appends one, and its
// GetHttpRequestHeader returns the first (source/extensions/common/wasm/
// context.cc, getHeaderMapValue: entry[0]): so the headers are read as
// pairs and, for each name, the last value wins.
type requestHeaders struct {
	method, path, originalPath     string
	authority, originalHost        string
	requestID, userAgent           string
	forwardedFor                   string
	b3TraceID, traceparent         string
	mcpServer, mcpTool, instanceID string
	consumers                      []string
}

func readRequestHeaders(hs [][2]string) requestHeaders {
	var h requestHeaders
	for _, kv := range hs {
		v := kv[1]
		switch kv[0] {
		case ":method":
			h.method = v
		case ":path":
			h.path = v
		case ":authority":
			h.authority = v
		// Higress's own access log reads these first
		// (helm/core/templates/configmap.yaml accessLogFormat:
		// %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%, X-ENVOY-ORIGINAL-HOST?:AUTHORITY):
		// the path and host the client sent, before a rewrite.
		case "x-envoy-original-path":
			h.originalPath = v
		case "x-envoy-original-host":
			h.originalHost = v
		case "x-request-id":
			h.requestID = v
		case "user-agent":
			h.userAgent = v
		case "x-forwarded-for":
			h.forwardedFor = v
		case "x-b3-traceid":
			h.b3TraceID = v
		case "traceparent":
			h.traceparent = v
		case consumerHeader:
			h.consumers = append(h.consumers, v)
		case "x-envoy-mcp-server-name":
			h.mcpServer = v
		case "x-envoy-mcp-tool-name":
			h.mcpTool = v
		case "x-instance-id":
			h.instanceID = v
		}
	}
	return h
}

// traceID is the B3 trace id, else the W3C traceparent's.
func (h *requestHeaders) traceID() string {
	if h.b3TraceID != "" {
		return h.b3TraceID
	}
	// traceparent: version-traceid-parentid-flags
	if parts := strings.Split(h.traceparent, "-"); len(parts) == 4 && len(parts[1]) == 32 {
		return parts[1]
	}
	return ""
}

// last is the last value of header name, "" when absent.
func last(hs [][2]string, name string) string {
	v := ""
	for _, h := range hs {
		if h[0] == name {
			v = h[1]
		}
	}
	return v
}

func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

func (c *pluginConfig) capturesHeaders() bool { return c.captureAll || len(c.captureHeaders) > 0 }

// pickHeaders keeps the configured headers, with redacted ones' values
// replaced; of a repeated header the last value wins, as for every value
// the entry reads from the headers.
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
		}
		m[name] = v
	}
	return m
}
