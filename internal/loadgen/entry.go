// Package loadgen drives db-log-pusher-shaped traffic at a collector and
// checks what reached the database: the reliability tests, `make bench` and
// cmd/loadgen all use it.
package loadgen

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

var models = []string{"qwen3-plus", "qwen-max", "deepseek-v3", "gpt-4o-mini"}
var consumers = []string{"team-a", "team-b", "team-c"}

// Entry builds one access-log entry shaped like CONTRACT.md §1 with a
// unique request_id (runID-seq). padding adds that many bytes of req_body
// and resp_body, like a gateway logging bodies.
func Entry(runID string, seq int, padding int) map[string]any {
	model := models[seq%len(models)]
	in, out := 50+seq%200, 20+seq%500
	e := map[string]any{
		"start_time":                time.Now().UTC().Format(time.RFC3339),
		"authority":                 "api.example.com",
		"method":                    "POST",
		"path":                      "/v1/chat/completions",
		"protocol":                  "HTTP/1.1",
		"request_id":                RequestID(runID, seq),
		"trace_id":                  fmt.Sprintf("%032x", seq+1),
		"user_agent":                "openai-python/1.52.0",
		"x_forwarded_for":           fmt.Sprintf("203.0.113.%d", seq%250),
		"response_code":             200,
		"response_flags":            "-",
		"response_code_details":     "via_upstream",
		"bytes_received":            512 + seq%100,
		"bytes_sent":                2048 + seq%1000,
		"duration":                  300 + seq%3000,
		"upstream_cluster":          "outbound|443||llm-" + model + ".dns",
		"upstream_host":             "10.1.2.3:443",
		"upstream_service_time":     fmt.Sprint(290 + seq%3000),
		"downstream_local_address":  "10.0.0.5:80",
		"downstream_remote_address": fmt.Sprintf("203.0.113.%d:%d", seq%250, 40000+seq%20000),
		"route_name":                "model-api-" + model,
		"requested_server_name":     "api.example.com",
		"instance_id":               fmt.Sprintf("higress-gateway-%d", seq%3),
		"api":                       "chat-api",
		"model":                     model,
		"consumer":                  consumers[seq%len(consumers)],
		"route":                     "model-api-" + model,
		"service":                   "llm-" + model + ".dns",
		"mcp_server":                "",
		"mcp_tool":                  "",
		"input_tokens":              in,
		"output_tokens":             out,
		"total_tokens":              in + out,
		"ai_log": map[string]any{
			"model": model, "input_token": in, "output_token": out, "total_token": in + out,
			"llm_first_token_duration": 120 + seq%400, "llm_service_duration": 280 + seq%3000,
			"response_type": "stream", "cache_status": "miss", "consumer": consumers[seq%len(consumers)],
			"api": "chat-api@v1@openai", "session_id": fmt.Sprintf("s-%d", seq%1000), "chat_round": seq % 7,
			"question": "What is the capital of France? Please answer briefly and cite a source.",
			"answer":   "Paris is the capital of France (source: any encyclopedia).",
		},
		"req_headers": map[string]string{
			":authority": "api.example.com", "content-type": "application/json",
			"authorization": "Bearer sk-redacted", "x-request-id": RequestID(runID, seq),
		},
	}
	if padding > 0 {
		e["req_body"] = strings.Repeat("q", padding/2)
		e["resp_body"] = strings.Repeat("a", padding-padding/2)
	}
	return e
}

// RequestID is the unique id of entry seq of a run.
func RequestID(runID string, seq int) string { return fmt.Sprintf("%s-%08d", runID, seq) }

// Body encodes entries as one POST body: an object for one entry (today's
// plugin), an array otherwise.
func Body(entries []map[string]any) []byte {
	var v any = entries
	if len(entries) == 1 {
		v = entries[0]
	}
	b, _ := json.Marshal(v)
	return b
}
