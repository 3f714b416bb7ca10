package main

import (
	"encoding/binary"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/higress-group/wasm-go/pkg/test"
	"github.com/higress-group/wasm-go/pkg/wrapper"
)

// BenchmarkLogPhase measures what the plugin does for one request, in Go
// mode on wasm-go's test host: the request-headers callback and the log
// phase (final headers, Envoy's attributes, ai_log, encoding, buffering),
// with the batches it sends answered at once. The cases differ by the
// ai_log ai-statistics wrote: a typical LLM entry (usage, timing, ids), one
// with the conversation logged (10 KB), and one of 1 MB (cut to
// ai_log_max_bytes, 256 KiB by default). Numbers in BENCHMARKS.md.
func BenchmarkLogPhase(b *testing.B) {
	usage := map[string]any{
		"api": "-", "model": "qwen-max-latest", "response_type": "stream", "chat_id": "chatcmpl-8f2a",
		"input_token": 1200, "output_token": 345, "total_token": 1545, "reasoning_tokens": 0, "cached_tokens": 1024,
		"input_token_details": `{"cached_tokens":1024}`, "output_token_details": `{"reasoning_tokens":0}`,
		"llm_first_token_duration": 120, "llm_service_duration": 1850, "chat_round": 3,
	}
	withContent := func(n int) map[string]any {
		m := map[string]any{}
		for k, v := range usage {
			m[k] = v
		}
		m["question"] = strings.Repeat("How does a gateway log a request? ", n/2/34+1)[:n/2]
		m["answer"] = strings.Repeat("It reads the headers and the usage. ", n/2/36+1)[:n/2]
		return m
	}
	for _, tc := range []struct {
		name  string
		aiLog map[string]any
	}{
		{"typical", usage},
		{"ai_log_10KB", withContent(10 << 10)},
		{"ai_log_1MB", withContent(1 << 20)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			raw, _ := json.Marshal(tc.aiLog)
			benchLogPhase(b, []byte(wrapper.MarshalStr(string(raw))))
		})
	}
}

func benchLogPhase(b *testing.B, aiLog []byte) {
	cfg, _ := json.Marshal(map[string]any{"collector_service_name": "log-collector.higress-system.svc.cluster.local",
		"collector_port": 80, "collector_path": "/ingest", "flush_interval_ms": 100})
	host, _ := test.NewTestHost(cfg)
	defer host.Reset()
	u64 := func(v int64) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(v)) }
	for k, v := range map[string][]byte{
		"request.time": u64(time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC).UnixNano()), "request.duration": u64(1850e6),
		"request.size": u64(2400), "response.size": u64(18000), "response.code": u64(200), "response.flags": u64(0),
		"request.protocol": []byte("HTTP/1.1"), "response.code_details": []byte("via_upstream"),
		"upstream.address": []byte("10.0.5.5:443"), "upstream.local_address": []byte("10.0.0.2:40112"),
		"source.address": []byte("10.1.0.7:51234"), "destination.address": []byte("10.0.0.2:80"),
		"connection.requested_server_name": []byte("api.example.com"), "cluster_name": []byte("outbound|443||llm-qwen.dns"),
		"route_name": []byte("model-api-qwen-chat-0"), "node.metadata.NAME": []byte("higress-gateway-7d9f-abcde"),
		"ai_log": aiLog,
	} {
		if err := host.SetProperty(strings.Split(k, "."), v); err != nil {
			b.Fatal(err)
		}
	}
	reqHeaders := [][2]string{{":method", "POST"}, {":path", "/v1/chat/completions"}, {":authority", "api.example.com"},
		{":scheme", "https"}, {"content-type", "application/json"}, {"authorization", "Bearer sk-live"},
		{"user-agent", "openai-python/1.40.0"}, {"x-forwarded-for", "203.0.113.9"}, {"x-forwarded-proto", "https"},
		{"x-request-id", "a5e1c7d0-2b1f-4c7e-9d1a-5f0e3b2c8d41"}, {"x-b3-traceid", "0af7651916cd43dd8448eb211c80319c"},
		{"x-b3-spanid", "b7ad6b7169203331"}, {"x-b3-sampled", "1"}, {"x-mse-consumer", "team-a"}, {"accept", "*/*"}}
	respHeaders := [][2]string{{":status", "200"}, {"content-type", "text/event-stream"}, {"x-envoy-upstream-service-time", "87"}}
	answer := func() {
		for _, c := range host.GetCalloutAttributesFromContext(proxytest.PluginContextID) {
			host.CallOnHttpCallResponse(c.CalloutID, [][2]string{{":status", "200"}}, nil, nil)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		host.CallOnHttpRequestHeaders(reqHeaders, test.WithEndOfStream(true))
		host.CallOnHttpResponseHeaders(respHeaders, test.WithEndOfStream(true))
		host.CompleteHttp()
		if i%100 == 99 {
			host.Tick()
			answer()
		}
	}
}

// BenchmarkSniffer is the cost of finding the model in a chat request whose
// 1 MiB prompt comes before it, in 16 KiB chunks (every byte is scanned).
func BenchmarkSniffer(b *testing.B) {
	body := openAIChat(1 << 20)
	chunks := splitEvery(body, 16<<10)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		var s bodySniffer
		for _, c := range chunks {
			s.feed(c)
		}
		if s.model != "qwen-max" {
			b.Fatal(s.model)
		}
	}
}
