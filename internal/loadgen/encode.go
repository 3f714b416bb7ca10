// Package loadgen drives db-log-pusher-shaped traffic at a collector and
// checks what reached the database: the reliability tests, `make bench` and
// cmd/loadgen all use it.
package loadgen

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

var models = []string{"qwen3-plus", "qwen-max", "deepseek-v3", "gpt-4o-mini"}
var consumers = []string{"team-a", "team-b", "team-c"}

// Entry is entry seq of a run (AppendBody's, decoded), for tests that
// change a field before sending.
func Entry(runID string, seq int, padding int) map[string]any {
	var e map[string]any
	if err := json.Unmarshal(AppendBody(nil, runID, seq, 1, padding), &e); err != nil {
		panic(err) // AppendBody writes valid JSON
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

// AppendBody appends the POST body for entries seq0 … seq0+n-1 of a run,
// each shaped like db-log-pusher's (docs/contract.md) with a unique
// request_id (runID-seq); padding adds that many bytes of req_body and
// resp_body, like a gateway logging bodies. It writes the JSON directly:
// the load generator shares the benchmark machine's CPU with the collector
// and the database, and building maps for json.Marshal would cost it about
// as much per row as the database's own insert. TestFieldsMatchTheTable
// checks its field names against internal/accesslog.
func AppendBody(b []byte, runID string, seq0, n, padding int) []byte {
	if n > 1 {
		b = append(b, '[')
	}
	now := time.Now().UTC().Format(time.RFC3339)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendEntry(b, runID, seq0+i, padding, now)
	}
	if n > 1 {
		b = append(b, ']')
	}
	return b
}

// appendEntry writes Entry's fields. Every value Entry uses is plain ASCII
// without quotes or backslashes except runID, which is escaped.
func appendEntry(b []byte, runID string, seq, padding int, now string) []byte {
	model := models[seq%len(models)]
	consumer := consumers[seq%len(consumers)]
	in, out := 50+seq%200, 20+seq%500
	rid := RequestID(runID, seq)
	str := func(key, val string) {
		b = append(b, '"')
		b = append(b, key...)
		b = append(b, `":`...)
		b = strconv.AppendQuote(b, val)
		b = append(b, ',')
	}
	num := func(key string, val int) {
		b = append(b, '"')
		b = append(b, key...)
		b = append(b, `":`...)
		b = strconv.AppendInt(b, int64(val), 10)
		b = append(b, ',')
	}
	b = append(b, '{')
	str("start_time", now)
	str("authority", "api.example.com")
	str("method", "POST")
	str("path", "/v1/chat/completions")
	str("protocol", "HTTP/1.1")
	str("request_id", rid)
	str("trace_id", hex32(seq+1))
	str("user_agent", "openai-python/1.52.0")
	str("x_forwarded_for", "203.0.113."+strconv.Itoa(seq%250))
	num("response_code", 200)
	str("response_flags", "-")
	str("response_code_details", "via_upstream")
	num("bytes_received", 512+seq%100)
	num("bytes_sent", 2048+seq%1000)
	num("duration", 300+seq%3000)
	str("upstream_cluster", "outbound|443||llm-"+model+".dns")
	str("upstream_host", "10.1.2.3:443")
	str("upstream_service_time", strconv.Itoa(290+seq%3000))
	str("downstream_local_address", "10.0.0.5:80")
	str("downstream_remote_address", "203.0.113."+strconv.Itoa(seq%250)+":"+strconv.Itoa(40000+seq%20000))
	str("route_name", "model-api-"+model)
	str("requested_server_name", "api.example.com")
	str("instance_id", "higress-gateway-"+strconv.Itoa(seq%3))
	str("api", "chat-api")
	str("model", model)
	str("consumer", consumer)
	str("route", "model-api-"+model)
	str("service", "llm-"+model+".dns")
	str("mcp_server", "")
	str("mcp_tool", "")
	num("input_tokens", in)
	num("output_tokens", out)
	num("total_tokens", in+out)
	if padding > 0 {
		str("req_body", strings.Repeat("q", padding/2))
		str("resp_body", strings.Repeat("a", padding-padding/2))
	}
	b = append(b, `"ai_log":{`...)
	str("model", model)
	num("input_token", in)
	num("output_token", out)
	num("total_token", in+out)
	num("llm_first_token_duration", 120+seq%400)
	num("llm_service_duration", 280+seq%3000)
	str("response_type", "stream")
	str("cache_status", "miss")
	str("consumer", consumer)
	str("api", "chat-api@v1@openai")
	str("session_id", "s-"+strconv.Itoa(seq%1000))
	num("chat_round", seq%7)
	str("question", "What is the capital of France? Please answer briefly and cite a source.")
	str("answer", "Paris is the capital of France (source: any encyclopedia).")
	b[len(b)-1] = '}'
	b = append(b, `,"req_headers":{`...)
	str(":authority", "api.example.com")
	str("content-type", "application/json")
	str("authorization", "Bearer sk-redacted")
	str("x-request-id", rid)
	b[len(b)-1] = '}'
	return append(b, '}')
}

// hex32 is fmt.Sprintf("%032x", n) for n ≥ 0.
func hex32(n int) string {
	h := strconv.FormatInt(int64(n), 16)
	return strings.Repeat("0", max(0, 32-len(h))) + h
}
