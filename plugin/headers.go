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
	byName := [...]struct {
		name string
		dst  *string
	}{
		{":method", &h.method}, {":path", &h.path}, {":authority", &h.authority},
		// Higress's own access log reads these first (helm/core/templates/
		// configmap.yaml accessLogFormat: %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%,
		// X-ENVOY-ORIGINAL-HOST?:AUTHORITY): what the client sent, before a
		// rewrite.
		{"x-envoy-original-path", &h.originalPath}, {"x-envoy-original-host", &h.originalHost},
		{"x-request-id", &h.requestID}, {"user-agent", &h.userAgent}, {"x-forwarded-for", &h.forwardedFor},
		{"x-b3-traceid", &h.b3TraceID}, {"traceparent", &h.traceparent},
		{"x-envoy-mcp-server-name", &h.mcpServer}, {"x-envoy-mcp-tool-name", &h.mcpTool},
		{"x-instance-id", &h.instanceID},
	}
	for _, kv := range hs {
		if kv[0] == consumerHeader {
			h.consumers = append(h.consumers, kv[1])
			continue
		}
		for _, f := range byName {
			if kv[0] == f.name {
				*f.dst = kv[1]
				break
			}
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
