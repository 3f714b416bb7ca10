package mysqlaccesslogexporter

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

var hmBase = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func at(sec int) string { return hmBase.Add(time.Duration(sec) * time.Second).Format(time.RFC3339) }

// himarketEntries are db-log-pusher entries as the gateway posts them: 60
// LLM calls over seven minutes (usage at the top level or only in ai_log,
// stream and normal, cache hit/miss/skip, rate limits, safety denials,
// errors), 6 MCP calls (the tool at the top level or only in ai_log, the
// server only in the path), a fallback, a request without ai_log, one with
// ai_log {}, one on each side of the window's end, and one an hour before.
func himarketEntries() []map[string]any {
	var out []map[string]any
	for i := range 60 {
		model := []string{"qwen-max", "gpt-4o"}[i%2]
		e := map[string]any{
			"start_time": at(7*i + 3), "request_id": fmt.Sprintf("llm-%d", i), "authority": "api.example.com",
			"method": "POST", "path": "/v1/chat/completions", "protocol": "HTTP/1.1",
			"response_code": 200, "response_code_details": "via_upstream", "response_flags": "-",
			"bytes_received": 1000 + 37*i, "bytes_sent": 20000 + 1013*i, "duration": 100 + (37*i)%500,
			"instance_id": []string{"gw-1", "gw-2"}[i%2], "api": "chat-api", "model": model,
			"route_name": "ai-route-" + model, "route": "r", "mcp_server": "", "mcp_tool": "", "consumer": "",
			"upstream_cluster": "outbound|443||" + model, "service": "",
		}
		ai := map[string]any{"model": model, "api": "a@b@c", "llm_service_duration": 200 + 10*i}
		switch i % 3 {
		case 0:
			e["consumer"] = "alice"
			ai["response_type"] = "stream"
			ai["llm_first_token_duration"] = 50 + i
		case 1:
			e["consumer"] = "bob"
			ai["response_type"] = "normal"
		case 2:
			ai["response_type"] = "normal"
			if i%6 == 2 {
				ai["consumer"] = "carol" // the consumer only in ai_log
			}
		}
		if i%10 == 7 {
			delete(ai, "response_type")
		}
		if i%8 == 6 {
			ai["model"] = "unknown"
		}
		if i%5 != 4 {
			ai["cache_status"] = []string{"hit", "miss", "skip"}[i%3]
		}
		if i%11 == 3 {
			ai["token_ratelimit_status"] = "limited"
		}
		switch i % 10 {
		case 1:
			ai["safecheck_status"] = "reqeust deny"
			ai["safecheck_riskLabel"] = []string{"porn", "politics"}[(i/10)%2]
		case 6:
			ai["safecheck_status"] = "request pass"
		}
		switch {
		case i%9 == 4:
			e["response_code"] = 429
		case i%13 == 5:
			e["response_code"], e["response_code_details"], e["response_flags"] = 503, "upstream_reset_before_response_started{remote_reset}", "UR,URX"
		}
		if i%2 == 0 {
			e["input_tokens"], e["output_tokens"], e["total_tokens"] = 10+i, 2*i+1, 11+3*i
		} else {
			ai["input_token"], ai["output_token"] = strconv.Itoa(10+i), 2*i+1 // usage only in ai_log
			if i%4 == 1 {
				ai["total_token"] = 11 + 3*i
			}
		}
		if i%12 != 11 {
			e["x_forwarded_for"] = fmt.Sprintf("10.0.0.%d", i%7)
		}
		if i%4 == 2 {
			delete(e, "upstream_cluster") // from service
			e["service"] = "svc-" + model
		}
		if i%15 == 14 {
			e["method"] = "GET"
		}
		e["ai_log"] = ai
		out = append(out, e)
	}
	for j := range 6 {
		tool := "get_forecast"
		e := map[string]any{
			"start_time": at(30 + 60*j), "request_id": fmt.Sprintf("mcp-%d", j), "method": "POST",
			"path": "/mcp-servers/weather/mcp", "response_code": 200, "response_code_details": "via_upstream",
			"response_flags": "-", "duration": 40 + j, "x_forwarded_for": fmt.Sprintf("10.0.1.%d", j),
			"instance_id": "gw-1", "route_name": "mcp-route", "upstream_cluster": "outbound|80||weather",
			"bytes_received": 300, "bytes_sent": 700,
		}
		if j < 3 {
			e["mcp_tool"] = tool
		} else {
			tool = "list_cities" // only in ai_log
		}
		if j == 4 {
			e["response_code"] = 500
		}
		if j%2 == 0 {
			e["consumer"] = "alice"
		}
		e["ai_log"] = map[string]any{"mcp_tool_name": tool, "jsonrpc_method": "tools/call"}
		out = append(out, e)
	}
	return append(out,
		map[string]any{"start_time": at(200), "request_id": "fallback", "method": "POST", "path": "/v1/chat/completions",
			"response_code": 200, "response_code_details": "internal_redirect", "response_flags": "-", "duration": 900,
			"model": "qwen-max", "consumer": "bob", "x_forwarded_for": "10.0.0.1",
			"ai_log": map[string]any{"model": "qwen-max", "fallback_from": "gpt-4o", "response_type": "normal"}},
		map[string]any{"start_time": at(250), "request_id": "no-ai-log", "method": "GET", "path": "/v1/models",
			"response_code": 404, "response_code_details": "route_not_found", "response_flags": "NR", "duration": 1},
		map[string]any{"start_time": at(260), "request_id": "empty-ai-log", "method": "POST", "path": "/v1/embeddings",
			"response_code": 200, "response_code_details": "via_upstream", "duration": 5, "ai_log": map[string]any{}},
		map[string]any{"start_time": at(600), "request_id": "at-the-end", "method": "POST", "path": "/v1/chat/completions",
			"response_code": 200, "duration": 77, "model": "gpt-4o", "input_tokens": 1, "output_tokens": 1,
			"ai_log": map[string]any{"model": "gpt-4o", "response_type": "normal", "llm_service_duration": 77}},
		map[string]any{"start_time": at(601), "request_id": "after-the-end", "method": "POST", "path": "/v1/chat/completions",
			"response_code": 200, "duration": 1, "model": "gpt-4o", "input_tokens": 1000,
			"ai_log": map[string]any{"model": "gpt-4o", "response_type": "normal"}},
		map[string]any{"start_time": at(-3600), "request_id": "an-hour-before", "method": "POST", "path": "/v1/chat/completions",
			"response_code": 200, "duration": 1, "model": "qwen-max", "input_tokens": 1000000,
			"ai_log": map[string]any{"model": "qwen-max", "response_type": "stream"}},
	)
}

// hmRow is one access_logs row as the data contract says the collector
// fills it from an entry, computed here without the collector's code.
type hmRow struct {
	start                                                  time.Time
	xff, details, flags, model, consumer, upstream, method string // "" is NULL
	mcpTool, mcpServer, instance, api, routeName, path     string
	code                                                   int
	bytesIn, bytesOut, duration                            int64
	in, out, total                                         *int64
	ai                                                     map[string]any // nil: NULL
}

func expectedRows(entries []map[string]any) []hmRow {
	rows := make([]hmRow, len(entries))
	for i, e := range entries {
		str := func(k string) string { s, _ := e[k].(string); return s }
		num := func(k string) int64 { n, _ := e[k].(int); return int64(n) }
		r := hmRow{xff: str("x_forwarded_for"), details: str("response_code_details"), flags: str("response_flags"),
			model: str("model"), consumer: str("consumer"), upstream: str("upstream_cluster"), method: str("method"),
			mcpTool: str("mcp_tool"), mcpServer: str("mcp_server"), instance: str("instance_id"), api: str("api"),
			routeName: str("route_name"), path: str("path"), code: int(num("response_code")),
			bytesIn: num("bytes_received"), bytesOut: num("bytes_sent"), duration: num("duration")}
		r.start, _ = time.Parse(time.RFC3339, str("start_time"))
		ai, _ := e["ai_log"].(map[string]any)
		if len(ai) > 0 {
			r.ai = ai
		}
		aiStr := func(k string) string { s, _ := ai[k].(string); return s }
		aiNum := func(k string) (int64, bool) {
			switch v := ai[k].(type) {
			case int:
				return int64(v), true
			case string:
				n, err := strconv.ParseInt(v, 10, 64)
				return n, err == nil
			}
			return 0, false
		}
		if r.model == "" && aiStr("model") != "unknown" {
			r.model = aiStr("model")
		}
		if r.consumer == "" {
			r.consumer = aiStr("consumer")
		}
		if r.mcpTool == "" {
			r.mcpTool = aiStr("mcp_tool_name")
		}
		if r.mcpServer == "" && strings.HasPrefix(r.path, "/mcp-servers/") {
			r.mcpServer = strings.Split(r.path, "/")[2]
		}
		if r.upstream == "" {
			r.upstream = str("service")
		}
		pick := func(top string, aiKey string) *int64 {
			if n := num(top); n > 0 {
				return &n
			}
			if n, ok := aiNum(aiKey); ok {
				return &n
			}
			return nil
		}
		r.in, r.out, r.total = pick("input_tokens", "input_token"), pick("output_tokens", "output_token"), pick("total_tokens", "total_token")
		if r.total == nil && (r.in != nil || r.out != nil) {
			var sum int64
			for _, p := range []*int64{r.in, r.out} {
				if p != nil {
					sum += *p
				}
			}
			r.total = &sum
		}
		rows[i] = r
	}
	return rows
}

// aiText is JSON_UNQUOTE(JSON_EXTRACT(ai_log, '$.key')) behind JSON_VALID.
func (r hmRow) aiText(key string) (string, bool) {
	v, ok := r.ai[key]
	if !ok {
		return "", false
	}
	return fmt.Sprint(v), true
}

func (r hmRow) aiIs(key, value string) bool { s, ok := r.aiText(key); return ok && s == value }

// hmExpect computes what template key returns for req over rows.
func hmExpect(key string, req hmRequest, all []hmRow) [][]string {
	var rs []hmRow
	for _, r := range all {
		if r.start.Before(req.from) || r.start.After(req.to) || !req.matches(r) {
			continue
		}
		rs = append(rs, r)
	}
	biz := func(r hmRow) bool {
		if req.mcp {
			return strings.HasPrefix(r.path, "/mcp-servers")
		}
		s, ok := r.aiText("model")
		return ok && s != ""
	}
	n := float64(req.interval)
	perSec := func(keep func(hmRow) bool) [][]string {
		return series(rs, req.interval, keep, func(g []hmRow) []string { return []string{num(float64(len(g)) / n)} })
	}
	sumOf := func(g []hmRow, f func(hmRow) *int64) float64 {
		var s float64
		for _, r := range g {
			if p := f(r); p != nil {
				s += float64(*p)
			}
		}
		return s
	}
	in := func(r hmRow) *int64 { return r.in }
	out := func(r hmRow) *int64 { return r.out }
	total := func(r hmRow) *int64 { return r.total }
	avgAI := func(aiKey string, keep func(hmRow) bool) [][]string {
		return series(rs, req.interval, func(r hmRow) bool {
			_, ok := r.ai[aiKey]
			return ok && keep(r)
		}, func(g []hmRow) []string {
			var s float64
			for _, r := range g {
				v, _ := r.aiText(aiKey)
				f, _ := strconv.ParseFloat(v, 64)
				s += f
			}
			return []string{num(s / float64(len(g)))}
		})
	}
	percentile := func(p100 int) [][]string {
		return series(rs, req.interval, func(hmRow) bool { return true }, func(g []hmRow) []string {
			d := make([]int64, len(g))
			for i, r := range g {
				d[i] = r.duration
			}
			slices.Sort(d)
			rank := (p100*len(d) + 99) / 100 // CEIL(p * cnt), p exact as SQL's DECIMAL literal
			return []string{strconv.FormatInt(d[rank-1], 10)}
		})
	}
	tokens := func(col func(hmRow) string) [][]string {
		return groups(rs, func(r hmRow) bool { return col(r) != "" }, func(r hmRow) []string { return []string{col(r)} },
			func(g []hmRow) []string {
				return []string{num(sumOf(g, in)), num(sumOf(g, out)), num(sumOf(g, total)), strconv.Itoa(len(g))}
			})
	}
	distinct := func(keep func(hmRow) bool, col func(hmRow) string) [][]string {
		return groups(rs, func(r hmRow) bool { return keep(r) && col(r) != "" }, func(r hmRow) []string { return []string{col(r)} }, nil)
	}
	count := func(g []hmRow) []string { return []string{strconv.Itoa(len(g))} }
	all1 := func(hmRow) bool { return true }
	stream := func(r hmRow) bool { return r.aiIs("response_type", "stream") }
	normal := func(r hmRow) bool { return r.aiIs("response_type", "normal") }
	deny := func(r hmRow) bool { return r.aiIs("safecheck_status", "reqeust deny") }
	mb := func(f func(hmRow) int64) [][]string {
		var s int64
		for _, r := range rs {
			s += f(r)
		}
		if len(rs) == 0 {
			return [][]string{{"NULL"}}
		}
		return [][]string{{num(math.Round(float64(s)/1024/1024*1000) / 1000)}}
	}
	switch key {
	case "pv":
		return [][]string{{strconv.Itoa(len(filter(rs, biz)))}}
	case "uv":
		seen := map[string]bool{}
		for _, r := range filter(rs, biz) {
			if r.xff != "" {
				seen[r.xff] = true
			}
		}
		return [][]string{{strconv.Itoa(len(seen))}}
	case "fallback_count":
		return [][]string{{strconv.Itoa(len(filter(rs, func(r hmRow) bool { return r.details == "internal_redirect" })))}}
	case "bytes_received":
		return mb(func(r hmRow) int64 { return r.bytesIn })
	case "bytes_sent":
		return mb(func(r hmRow) int64 { return r.bytesOut })
	case "input_token_total":
		return [][]string{{num(sumOf(rs, in))}}
	case "output_token_total":
		return [][]string{{num(sumOf(rs, out))}}
	case "token_total":
		return [][]string{{num(sumOf(rs, total))}}
	case "qps_stream":
		return perSec(stream)
	case "qps_normal":
		return perSec(normal)
	case "qps_total":
		return perSec(func(r hmRow) bool { return stream(r) || normal(r) })
	case "success_rate":
		return series(rs, req.interval, all1, func(g []hmRow) []string {
			ok := filter(g, func(r hmRow) bool { return r.code > 0 && r.code < 300 })
			return []string{num(float64(len(ok)) / float64(len(g)))}
		})
	case "token_per_sec_input", "token_per_sec_output", "token_per_sec_total":
		f := map[string]func(hmRow) *int64{"token_per_sec_input": in, "token_per_sec_output": out, "token_per_sec_total": total}[key]
		return series(rs, req.interval, all1, func(g []hmRow) []string { return []string{num(sumOf(g, f) / n)} })
	case "rt_avg_total":
		return avgAI("llm_service_duration", all1)
	case "rt_avg_stream":
		return avgAI("llm_service_duration", stream)
	case "rt_avg_normal":
		return avgAI("llm_service_duration", normal)
	case "rt_first_token":
		return avgAI("llm_first_token_duration", all1)
	case "cache_hit", "cache_miss", "cache_skip":
		status := strings.TrimPrefix(key, "cache_")
		return perSec(func(r hmRow) bool { return r.aiIs("cache_status", status) })
	case "ratelimited_per_sec":
		return perSec(func(r hmRow) bool { return r.aiIs("token_ratelimit_status", "limited") })
	case "qps_total_simple":
		return series(rs, req.interval, all1, func(g []hmRow) []string { return []string{num(float64(len(g)) / n), "total"} })
	case "rt_avg":
		return series(rs, req.interval, all1, func(g []hmRow) []string {
			var s float64
			for _, r := range g {
				s += float64(r.duration)
			}
			return []string{num(s / float64(len(g)))}
		})
	case "rt_p99":
		return percentile(99)
	case "rt_p95":
		return percentile(95)
	case "rt_p90":
		return percentile(90)
	case "rt_p50":
		return percentile(50)
	case "model_token_table":
		return tokens(func(r hmRow) string { return r.model })
	case "consumer_token_table":
		return tokens(func(r hmRow) string { return r.consumer })
	case "service_token_table":
		return tokens(func(r hmRow) string { return r.upstream })
	case "error_requests_table":
		return groups(rs, func(r hmRow) bool { return r.code == 0 || r.code >= 400 },
			func(r hmRow) []string { return []string{strconv.Itoa(r.code), orNull(r.details), orNull(r.flags)} }, count)
	case "ratelimited_consumer_table":
		return groups(rs, func(r hmRow) bool { return r.aiIs("token_ratelimit_status", "limited") && r.consumer != "" },
			func(r hmRow) []string { return []string{r.consumer} }, count)
	case "risk_label_table":
		return groups(rs, deny, func(r hmRow) []string {
			s, ok := r.aiText("safecheck_riskLabel")
			if !ok {
				s = "NULL"
			}
			return []string{s}
		}, count)
	case "risk_consumer_table":
		return groups(rs, func(r hmRow) bool { return deny(r) && r.consumer != "" }, func(r hmRow) []string { return []string{r.consumer} }, count)
	case "method_distribution":
		return groups(rs, func(r hmRow) bool { return r.method != "" }, func(r hmRow) []string { return []string{r.method} }, count)
	case "gateway_status_distribution":
		return groups(rs, all1, func(r hmRow) []string { return []string{strconv.Itoa(r.code)} }, count)
	case "backend_status_distribution":
		return groups(rs, func(r hmRow) bool { return biz(r) && r.details != "" }, func(r hmRow) []string { return []string{r.details} }, count)
	case "request_distribution":
		return groups(rs, all1, func(r hmRow) []string {
			return []string{orNull(r.mcpTool), strconv.Itoa(r.code), orNull(r.flags), orNull(r.details)}
		}, count)
	case "filter_service_options":
		return distinct(all1, func(r hmRow) string { return r.instance })
	case "filter_api_options":
		return distinct(all1, func(r hmRow) string { return r.api })
	case "filter_model_options":
		return distinct(all1, func(r hmRow) string { return r.model })
	case "filter_route_options":
		return distinct(biz, func(r hmRow) string { return r.routeName })
	case "filter_consumer_options":
		return distinct(all1, func(r hmRow) string { return r.consumer })
	case "filter_upstream_options":
		return distinct(all1, func(r hmRow) string { return r.upstream })
	case "filter_mcp_tool_options":
		return distinct(all1, func(r hmRow) string { return r.mcpTool })
	case "filter_mcp_server_options":
		// As HiMarket wrote it: DISTINCT mcp_server where mcp_tool IS NOT NULL.
		return groups(rs, func(r hmRow) bool { return r.mcpTool != "" }, func(r hmRow) []string { return []string{orNull(r.mcpServer)} }, nil)
	}
	panic("no expectation for template " + key)
}

// matches applies the request's OR-chains of equalities.
func (req hmRequest) matches(r hmRow) bool {
	for _, f := range req.filters {
		col := map[string]string{"model": r.model, "consumer": r.consumer, "api": r.api, "route_name": r.routeName, "upstream_cluster": r.upstream}[f.column]
		if !slices.Contains(f.values, col) {
			return false
		}
	}
	return true
}

func filter(rs []hmRow, keep func(hmRow) bool) []hmRow {
	var out []hmRow
	for _, r := range rs {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// series groups the kept rows by FLOOR(UNIX_TIMESTAMP(start_time)/n)*n,
// labelled as DATE_FORMAT(FROM_UNIXTIME(…)) prints it in a UTC session, in
// time order; a bucket without rows has no line.
func series(rs []hmRow, n int, keep func(hmRow) bool, value func([]hmRow) []string) [][]string {
	buckets := map[int64][]hmRow{}
	for _, r := range filter(rs, keep) {
		b := r.start.Unix() / int64(n) * int64(n)
		buckets[b] = append(buckets[b], r)
	}
	keys := make([]int64, 0, len(buckets))
	for k := range buckets {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([][]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, append([]string{time.Unix(k, 0).UTC().Format("2006-01-02 15:04:05")}, value(buckets[k])...))
	}
	return out
}

// groups is GROUP BY key over the kept rows; value nil is DISTINCT.
func groups(rs []hmRow, keep func(hmRow) bool, key func(hmRow) []string, value func([]hmRow) []string) [][]string {
	byKey := map[string][]hmRow{}
	var order []string
	for _, r := range filter(rs, keep) {
		k := strings.Join(key(r), "\x00")
		if _, ok := byKey[k]; !ok {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], r)
	}
	out := make([][]string, 0, len(order))
	for _, k := range order {
		line := strings.Split(k, "\x00")
		if value != nil {
			line = append(line, value(byKey[k])...)
		}
		out = append(out, line)
	}
	return out
}

func orNull(s string) string {
	if s == "" {
		return "NULL"
	}
	return s
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
