package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The main scenario: one request of every kind a gateway serves, through
// the plugin with every option on. Its POST bodies are the golden file
// testdata/posts.jsonl, which the collector's module reads twice: to check
// every field name against its field table, and to POST them to the real
// collector and compare the MariaDB rows with what these requests imply.

const goldenPath = "testdata/posts.jsonl"

var scenarioStart = time.Date(2026, 3, 1, 10, 0, 0, 123_000_000, time.UTC)

func scenarioConfig() map[string]any {
	return withConfig(map[string]any{
		"instance_id":             "gw-test-1",
		"max_entries_per_post":    5,
		"capture_headers":         []string{"*"},
		"request_body_max_bytes":  64,
		"response_body_max_bytes": 256,
		"ingest_token":            "golden-token",
		"gzip":                    true,
		"ai_log_max_bytes":        2048,
	})
}

// envoy returns the attributes Envoy has for request i when it logs it.
func envoy(i, code int, details string, flags int64, durationMs int64, extra map[string]any) map[string]any {
	a := map[string]any{
		"request.time":          scenarioStart.Add(time.Duration(i) * time.Second).UnixNano(),
		"request.duration":      durationMs * int64(time.Millisecond),
		"request.protocol":      "HTTP/1.1",
		"request.size":          int64(100 + i),
		"response.size":         int64(1000 + i),
		"response.code_details": details,
		"response.flags":        flags,
		"source.address":        "10.1.0.7:51234",
		"destination.address":   "10.0.0.2:80",
	}
	if code > 0 {
		a["response.code"] = code
	}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

var llmUpstream = map[string]any{
	"route_name":                       "model-api-qwen-chat-0",
	"cluster_name":                     "outbound|443||llm-qwen.dns",
	"upstream.address":                 "10.0.5.5:443",
	"upstream.local_address":           "10.0.0.2:40112",
	"connection.requested_server_name": "api.example.com",
}

func merge(ms ...map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func sseChunks(n int) [][]byte {
	var out [][]byte
	for i := range n - 1 {
		out = append(out, fmt.Appendf(nil, "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"delta\":{\"content\":\"tok%d \"}}]}\n\n", i))
	}
	return append(out, []byte("data: {\"id\":\"chatcmpl-1\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":345}}\n\ndata: [DONE]\n\n"))
}

// scenario returns the main scenario's requests for gateway g.
func scenario(g *gateway) []call {
	chat := []byte(`{"model":"qwen-max","stream":true,"messages":[{"role":"user","content":"Write a haiku about gateways and logs, please."}]}`)
	sse := sseChunks(20)
	// ai_log as ai-statistics writes it on these routes (aiStatisticsLog):
	// "api" is "-" off Higress API routes, numbers are JSON numbers, the
	// consumer is not in it.
	streamAILog := map[string]any{"api": "-", "model": "qwen-max-latest", "chat_id": "chatcmpl-1",
		"response_type": "stream", "llm_first_token_duration": 120}
	return []call{{
		id: "plg-01", method: "POST", path: "/v1/chat/completions",
		reqHeaders: [][2]string{{"content-type", "application/json"}, {"authorization", "Bearer sk-live-secret"},
			{"user-agent", "openai-python/1.40.0"}, {"x-forwarded-for", "203.0.113.9"}},
		// key-auth (later in the chain) adds the consumer; the router adds
		// the trace header.
		laterRequestHeaders: [][2]string{{"x-mse-consumer", "team-a"}, {"x-b3-traceid", "0af7651916cd43dd8448eb211c80319c"}},
		reqBody:             [][]byte{chat[:50], chat[50:]},
		status:              200,
		respHeaders:         [][2]string{{"content-type", "text/event-stream"}, {"x-envoy-upstream-service-time", "87"}, {"set-cookie", "s=secret-cookie"}},
		respBody:            sse,
		// ai-statistics sits later in the chain: it sees each chunk after
		// this plugin, and writes the usage only after the last one.
		afterResponseChunk: func(i int) {
			switch i {
			case 0:
				g.writeAILog(streamAILog)
			case len(sse) - 1:
				g.writeAILog(merge(streamAILog, map[string]any{"input_token": 12, "output_token": 345,
					"total_token": 357, "llm_service_duration": 1200, "cached_tokens": 0, "reasoning_tokens": 0,
					"input_token_details": `{"cached_tokens":0}`, "output_token_details": `{"reasoning_tokens":0}`}))
			}
		},
		attrs: envoy(1, 200, "via_upstream", 0, 1234, llmUpstream),
	}, {
		id: "plg-02", method: "POST", path: "/v1/chat/completions",
		// The client sends a consumer of its own; key-auth adds the real one.
		reqHeaders:          [][2]string{{"content-type", "application/json"}, {"x-mse-consumer", "team-forged"}},
		laterRequestHeaders: [][2]string{{"x-mse-consumer", "team-b"}},
		reqBody:             [][]byte{[]byte(`{"model":"qwen-turbo","messages":[{"role":"user","content":"hi"}]}`)},
		status:              200,
		respHeaders:         [][2]string{{"content-type", "application/json"}, {"x-envoy-upstream-service-time", "40"}},
		respBody:            [][]byte{[]byte(`{"id":"c2","model":"qwen-turbo","usage":{"prompt_tokens":20,"completion_tokens":30}}`)},
		afterResponseChunk: func(int) {
			g.writeAILog(map[string]any{"api": "-", "model": "qwen-turbo", "input_token": 20, "output_token": 30,
				"total_token": 50, "response_type": "normal", "llm_service_duration": 45})
		},
		attrs: envoy(2, 200, "via_upstream", 0, 48, llmUpstream),
	}, {
		id: "plg-03", method: "DELETE", path: "/v1/files/file-abc",
		status: 204,
		attrs:  envoy(3, 204, "via_upstream", 0, 7, llmUpstream),
	}, {
		id: "plg-04", method: "HEAD", path: "/v1/models",
		status: 200, respHeaders: [][2]string{{"content-type", "application/json"}, {"content-length", "512"}},
		attrs: envoy(4, 200, "via_upstream", 0, 3, llmUpstream),
	}, {
		id: "plg-05", method: "GET", path: "/v1/models?limit=10",
		status:      200,
		respHeaders: [][2]string{{"content-type", "application/json"}, {"content-encoding", "gzip"}},
		respBody:    [][]byte{{0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03}, {0x4b, 0x4c, 0x4a, 0x06, 0x00}},
		attrs:       envoy(5, 200, "via_upstream", 0, 15, llmUpstream),
	}, {
		id: "plg-06", method: "POST", path: "/grpc.health.v1.Health/Check",
		reqHeaders:  [][2]string{{"content-type", "application/grpc"}, {"te", "trailers"}},
		reqBody:     [][]byte{{0, 0, 0, 0, 2, 10, 0}},
		status:      200,
		respHeaders: [][2]string{{"content-type", "application/grpc"}},
		respBody:    [][]byte{{0, 0, 0, 0, 2, 8, 1}},
		attrs: envoy(6, 200, "via_upstream", 0, 4, map[string]any{"request.protocol": "HTTP/2",
			"route_name": "grpc-health", "cluster_name": "outbound|50051||health.grpc.svc.cluster.local",
			"upstream.address": "10.0.7.1:50051"}),
	}, {
		id: "plg-07", method: "GET", path: "/no/such/route",
		status: 404,
		attrs:  envoy(7, 404, "route_not_found", 0x100, 0, nil),
	}, {
		id: "plg-08", method: "POST", path: "/v1/chat/completions",
		reqHeaders: [][2]string{{"content-type", "application/json"}},
		reqBody:    [][]byte{[]byte(`{"model":"qwen-max","messages":[]}`)},
		status:     503, respHeaders: [][2]string{{"content-type", "text/plain"}},
		respBody: [][]byte{[]byte("no healthy upstream")},
		attrs: envoy(8, 503, "no_healthy_upstream", 0x2, 1, map[string]any{
			"route_name": "model-api-qwen-chat-0", "cluster_name": "outbound|443||llm-qwen.dns"}),
	}, {
		id: "plg-09", method: "POST", path: "/mcp-servers/weather/mcp",
		reqHeaders:          [][2]string{{"content-type", "application/json"}},
		laterRequestHeaders: [][2]string{{"x-mse-consumer", "team-a"}},
		reqBody: [][]byte{[]byte(`{"jsonrpc":"2.0","id":7,"method":"tools/call",` +
			`"params":{"name":"get_forecast","arguments":{"city":"Hangzhou"}}}`)},
		status: 200, respHeaders: [][2]string{{"content-type", "application/json"}},
		respBody: [][]byte{[]byte(`{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"sunny"}]}}`)},
		// The filter state Higress's MCP server sets (see properties.go).
		attrs: envoy(9, 200, "via_upstream", 0, 230, map[string]any{"route_name": "mcp-weather",
			"cluster_name": "outbound|80||weather.mcp.svc.cluster.local", "upstream.address": "10.0.9.9:80",
			"mcp_server_name": "weather", "mcp_tool_name": "get_forecast"}),
	}, {
		id: "plg-10", method: "POST", path: "/v1/chat/completions",
		reqHeaders: [][2]string{{"content-type", "application/json"}},
		reqBody:    [][]byte{[]byte(`{"model":"qwen-max","messages":[]}`)},
		status:     503, respHeaders: [][2]string{{"content-type", "text/plain"}},
		respBody: [][]byte{[]byte("upstream connect error or disconnect/reset before headers")},
		attrs: envoy(10, 503, "upstream_reset_before_response_started{connection_failure}", 0x20|0x8000, 3012, merge(llmUpstream,
			map[string]any{"upstream.address": "10.0.5.6:443", "upstream.transport_failure_reason": "delayed connect error: 111"})),
	}, {
		id: "plg-11", method: "GET", path: "/ws/chat",
		reqHeaders: [][2]string{{"connection", "Upgrade"}, {"upgrade", "websocket"}},
		status:     101, respHeaders: [][2]string{{"connection", "Upgrade"}, {"upgrade", "websocket"}},
		attrs: envoy(11, 101, "via_upstream", 0, 60000, map[string]any{"route_name": "ws", "cluster_name": "outbound|8080||ws.default.svc.cluster.local",
			"upstream.address": "10.0.3.3:8080"}),
	}, {
		id: "plg-12", method: "POST", path: "/v1/chat/completions",
		reqHeaders: [][2]string{{"content-type", "application/json"}},
		reqBody:    [][]byte{[]byte(`{"model":"qwen-max","stream":true,"messages":[]}`)},
		// The client went away before any response.
		attrs: envoy(12, 0, "downstream_remote_disconnect", 0x4000, 2500, llmUpstream),
	}, {
		// ai-statistics with its default attributes logs the conversation:
		// more than ai_log_max_bytes, so the entry's ai_log is cut and marked.
		id: "plg-13", method: "POST", path: "/v1/chat/completions",
		reqHeaders: [][2]string{{"content-type", "application/json"}},
		reqBody:    [][]byte{[]byte(`{"model":"qwen-max","messages":[{"role":"user","content":"long"}]}`)},
		status:     200, respHeaders: [][2]string{{"content-type", "application/json"}},
		afterResponseChunk: func(int) {
			g.writeAILog(map[string]any{"api": "-", "model": "qwen-max", "input_token": 900, "output_token": 1200,
				"total_token": 2100, "response_type": "normal", "llm_service_duration": 3100,
				"question": strings.Repeat("Tell me everything about gateways. ", 60),
				"answer":   strings.Repeat("Gateways route requests and log them. ", 80)})
		},
		respBody: [][]byte{[]byte(`{"id":"c13","choices":[]}`)},
		attrs:    envoy(13, 200, "via_upstream", 0, 3200, llmUpstream),
	}}
}

// The gateway logs every kind of request once, with Envoy's code, flags
// and details; the POSTs carry the token and are gzip-compressed; and the
// bodies are the golden file.
func TestMainScenario(t *testing.T) {
	inBothModes(t, func(t *testing.T) {
		g := newGateway(t, scenarioConfig())
		calls := scenario(g)
		for _, c := range calls {
			for i, a := range g.do(c) {
				require.Equal(t, types.ActionContinue, a, "%s: response chunk %d held back", c.id, i)
			}
		}
		posts := g.flush()
		require.Len(t, posts, 3, "13 entries in POSTs of at most 5")
		var sizes []int
		var golden bytes.Buffer
		for _, p := range posts {
			sizes = append(sizes, len(p.entries))
			assert.Equal(t, "outbound|80||"+collectorService, p.upstream)
			assert.Equal(t, "POST", p.header(":method"))
			assert.Equal(t, "/ingest", p.header(":path"))
			assert.Equal(t, collectorService, p.header(":authority"))
			assert.Equal(t, "Bearer golden-token", p.header("authorization"))
			assert.Equal(t, "gzip", p.header("content-encoding"))
			assert.Equal(t, "application/json", p.header("content-type"))
			golden.Write(p.json)
			golden.WriteByte('\n')
		}
		assert.Equal(t, []int{5, 5, 3}, sizes)

		es := byID(entries(posts))
		require.Len(t, es, len(calls), "each request exactly once")
		for _, tc := range []struct {
			id, flags, details string
			code               float64
		}{
			{"plg-01", "-", "via_upstream", 200},
			{"plg-03", "-", "via_upstream", 204},
			{"plg-04", "-", "via_upstream", 200},
			{"plg-05", "-", "via_upstream", 200},
			{"plg-06", "-", "via_upstream", 200},
			{"plg-07", "NR", "route_not_found", 404},
			{"plg-08", "UH", "no_healthy_upstream", 503},
			{"plg-10", "UF,URX", "upstream_reset_before_response_started{connection_failure}", 503},
			{"plg-11", "-", "via_upstream", 101},
			{"plg-12", "DC", "downstream_remote_disconnect", 0},
		} {
			e := es[tc.id]
			assert.Equal(t, tc.code, e["response_code"], tc.id)
			assert.Equal(t, tc.flags, e["response_flags"], tc.id)
			assert.Equal(t, tc.details, e["response_code_details"], tc.id)
		}

		s := es["plg-01"]
		assert.Equal(t, "2026-03-01T10:00:01.123Z", s["start_time"])
		assert.Equal(t, 1234.0, s["duration"], "Envoy's request.duration, in ms")
		assert.Equal(t, "10.0.5.5:443", s["upstream_host"])
		assert.Equal(t, "87", s["upstream_service_time"])
		assert.Equal(t, "qwen-max", s["model"], "the requested model")
		assert.Equal(t, "qwen-chat", s["api"])
		assert.Equal(t, "team-a", s["consumer"])
		assert.Equal(t, "gw-test-1", s["instance_id"])
		assert.Equal(t, "0af7651916cd43dd8448eb211c80319c", s["trace_id"])
		ai := s["ai_log"].(map[string]any)
		assert.Equal(t, 345.0, ai["output_token"], "ai_log as written after the last chunk")
		assert.Equal(t, "team-b", es["plg-02"]["consumer"], "the auth plugin's, not the client's")
		assert.Equal(t, "plg-01/1772359201123000000", s["entry_id"], "request id / start time in ns")
		assert.Equal(t, 1200.0, ai["llm_service_duration"])
		assert.Equal(t, "[redacted]", s["req_headers"].(map[string]any)["authorization"])
		assert.Equal(t, "[redacted]", s["resp_headers"].(map[string]any)["set-cookie"])
		assert.Equal(t, string(scenarioReqBody()[:64]), s["req_body"])
		assert.Equal(t, true, s["req_body_truncated"])
		assert.Equal(t, string(bytes.Join(sseChunks(20), nil)[:256]), s["resp_body"])
		assert.Equal(t, true, s["resp_body_truncated"])

		assert.Equal(t, "get_forecast", es["plg-09"]["mcp_tool"], "the MCP server's filter state")
		assert.Equal(t, "weather", es["plg-09"]["mcp_server"])
		assert.Equal(t, "delayed connect error: 111", es["plg-10"]["upstream_transport_failure_reason"])
		assert.NotContains(t, es["plg-06"], "resp_body", "a gRPC body is not read")
		assert.NotContains(t, es["plg-05"], "resp_body", "a compressed body is not read")
		assert.NotContains(t, es["plg-07"], "upstream_host")
		assert.Equal(t, "HTTP/2", es["plg-06"]["protocol"])

		assert.Equal(t, uint64(13), g.counter("entries_logged"))
		assert.Equal(t, uint64(13), g.counter("entries_sent"))
		cut := es["plg-13"]
		assert.Equal(t, true, cut["ai_log_truncated"])
		assert.Equal(t, 2100.0, cut["ai_log"].(map[string]any)["total_token"])
		assert.Zero(t, g.gauge("buffered_bytes"))

		if *update && strings.HasSuffix(t.Name(), "/go") {
			require.NoError(t, os.WriteFile(goldenPath, golden.Bytes(), 0o644))
		}
		want, err := os.ReadFile(goldenPath)
		require.NoError(t, err, "no golden file: go test -run TestMainScenario -update")
		assert.Equal(t, string(want), golden.String(), "%s is stale: run `go test -run TestMainScenario -update` in plugin/ and review the diff", goldenPath)
	})
}

func scenarioReqBody() []byte {
	return []byte(`{"model":"qwen-max","stream":true,"messages":[{"role":"user","content":"Write a haiku about gateways and logs, please."}]}`)
}
