package main

import (
	"fmt"
	"math"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
)

// series is one Prometheus sample: the metric name and its labels, in a
// stable text form, e.g. higress_ai_requests_total{a="x",b="y"}.
func series(name string, labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s=%q", k, labels[k]))
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

// scrapeFamilies reads a Prometheus endpoint; nil while it does not answer.
func scrapeFamilies(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	require.NoError(t, err)
	return families
}

// scrape returns every sample of the families whose names start with one
// of prefixes, histograms as their _bucket{le}, _sum and _count samples.
func scrape(t *testing.T, url string, prefixes ...string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for name, fam := range scrapeFamilies(t, url) {
		if !hasAnyPrefix(name, prefixes) {
			continue
		}
		for _, m := range fam.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			switch fam.GetType() {
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				for _, b := range h.GetBucket() {
					out[series(name+"_bucket", withLabel(labels, "le", formatLe(b.GetUpperBound())))] = float64(b.GetCumulativeCount())
				}
				out[series(name+"_bucket", withLabel(labels, "le", "+Inf"))] = float64(h.GetSampleCount())
				out[series(name+"_sum", labels)] = h.GetSampleSum()
				out[series(name+"_count", labels)] = float64(h.GetSampleCount())
			case dto.MetricType_COUNTER:
				out[series(name, labels)] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				out[series(name, labels)] = m.GetGauge().GetValue()
			default:
				out[series(name, labels)] = m.GetUntyped().GetValue()
			}
		}
	}
	return out
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func withLabel(labels map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(labels)+1)
	for lk, lv := range labels {
		out[lk] = lv
	}
	out[k] = v
	return out
}

func formatLe(f float64) string {
	if math.IsInf(f, 1) {
		return "+Inf"
	}
	return model.SampleValue(f).String()
}

// genaiPrefixes are the metric families config/metrics.yaml makes.
var genaiPrefixes = []string{"gen_ai_", "mcp_", "higress_"}

// Bucket boundaries of config/metrics.yaml (semantic conventions advice).
var (
	tokenBuckets   = []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}
	secondsBuckets = []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}
)

// metricsPricing prices gpt-4o in USD and qwen-max in CNY; deepseek-r1 is
// not priced.
const metricsPricing = "yaml:processors::ailog::pricing: {currency: USD, models: [" +
	"{model: 'gpt-4o*', input_per_million: 2.5, cached_input_per_million: 1.25, output_per_million: 10}," +
	"{model: qwen-max, input_per_million: 2.4, output_per_million: 9.6, currency: CNY}]}"

// call is one request posted to the collector and what the metrics must
// make of it.
type call struct {
	id, model, consumer, route string
	code                       int // 0: no response_code sent
	in, out, cached, reasoning int
	stream                     bool
	firstMs, serviceMs, durMs  int
	limited                    bool
	cache, safecheck, risk     string
	tool, toolErr              string
}

func (c call) entry() map[string]any {
	e := aiEntry(c.id, c.model, c.consumer, c.route, c.in, c.out)
	e["duration"] = c.durMs
	if c.code == 0 {
		delete(e, "response_code")
	} else {
		e["response_code"] = c.code
	}
	ai := map[string]any{"model": c.model, "input_token": fmt.Sprint(c.in), "output_token": c.out, "response_type": "normal"}
	if c.in == 0 && c.out == 0 {
		delete(e, "input_tokens")
		delete(e, "output_tokens")
		delete(e, "total_tokens")
		ai = map[string]any{}
	}
	if c.cached > 0 {
		ai["input_token_details"] = fmt.Sprintf(`{"cached_tokens":%d}`, c.cached)
	}
	if c.reasoning > 0 {
		ai["reasoning_tokens"] = c.reasoning
	}
	if c.stream {
		ai["response_type"] = "stream"
		ai["llm_first_token_duration"] = c.firstMs
	}
	if c.serviceMs > 0 {
		ai["llm_service_duration"] = fmt.Sprint(c.serviceMs)
	}
	if c.limited {
		ai["token_ratelimit_status"] = "limited"
	}
	if c.cache != "" {
		ai["cache_status"] = c.cache
	}
	if c.safecheck != "" {
		ai["safecheck_status"] = c.safecheck
		ai["safecheck_riskLabel"] = c.risk
	}
	if c.tool != "" {
		e["path"] = "/mcp-servers/amap/sse"
		e["mcp_tool"] = c.tool
		ai["jsonrpc_method"] = "tools/call"
		if c.toolErr != "" {
			ai["mcp_tool_error"] = c.toolErr
		}
	}
	e["ai_log"] = ai
	return e
}

// testCalls: three models (deepseek-r1 is not on METRICS_MODELS: "other"),
// two consumers and one without, streams and not, every status class,
// cached and reasoning tokens, values on bucket boundaries, rate limits,
// cache outcomes, content-safety denials and MCP tool calls.
func testCalls() []call {
	models := []string{"qwen-max", "gpt-4o", "deepseek-r1"}
	consumers := []string{"team-a", "team-b", ""}
	codes := []int{200, 200, 200, 429, 503, 200, 301, 0}
	var calls []call
	for i := range 24 {
		c := call{
			id: fmt.Sprintf("m-%02d", i), model: models[i%3], consumer: consumers[i%2], route: fmt.Sprintf("route-%d", i%4/2),
			code: codes[i%len(codes)], in: 10 + 37*i, out: 3*i + 1, serviceMs: 150 + 200*i, durMs: 170 + 200*i,
			stream: i%2 == 0, firstMs: 100 + 10*i,
		}
		if i == 8 {
			c.consumer = consumers[2]
		}
		if c.model == "gpt-4o" {
			c.cached = c.in / 2
		}
		if c.model == "deepseek-r1" {
			c.reasoning = c.out - 1
		}
		calls = append(calls, c)
	}
	calls[0].in = 16         // on the le="16" boundary
	calls[1].in = 64         // on le="64"
	calls[2].serviceMs = 320 // on le="0.32"
	calls[3].limited = true
	calls[11].limited = true
	calls[4].cache, calls[5].cache, calls[6].cache, calls[7].cache = "hit", "miss", "skip", "hit"
	calls[9].safecheck, calls[9].risk = "reqeust deny", "porn"
	calls[10].safecheck, calls[10].risk = "response deny", "politics"
	calls[12].safecheck, calls[12].risk = "request pass", ""
	calls = append(calls,
		call{id: "mcp-1", model: "", consumer: "team-a", route: "mcp-route", code: 200, tool: "maps_geo", durMs: 45},
		call{id: "mcp-2", model: "", consumer: "team-a", route: "mcp-route", code: 200, tool: "maps_geo", durMs: 1300, toolErr: "timeout"},
		call{id: "mcp-3", model: "", consumer: "team-b", route: "mcp-route", code: 502, tool: "maps_weather", durMs: 90},
		call{id: "mcp-4", model: "", consumer: "team-b", route: "mcp-route", code: 200, tool: "maps_geo", durMs: 30},
	)
	return calls
}

// expectedMetrics is what config/metrics.yaml must expose after calls,
// worked out by the rules the README states.
func expectedMetrics(calls []call) map[string]float64 {
	want := map[string]float64{}
	base := func(c call) map[string]string {
		m, consumer := c.model, c.consumer
		switch {
		case m == "":
			m = "unknown"
		case m != "qwen-max" && m != "gpt-4o":
			m = "other"
		}
		if consumer == "" {
			consumer = "unknown"
		}
		return map[string]string{"gen_ai_request_model": m, "higress_consumer": consumer, "higress_route_name": c.route,
			"job": "higress-gateway", "instance": "gw-1"}
	}
	histogram := func(name string, labels map[string]string, v float64, buckets []float64) {
		for _, b := range buckets {
			if v <= b {
				want[series(name+"_bucket", withLabel(labels, "le", formatLe(b)))]++
			} else {
				want[series(name+"_bucket", withLabel(labels, "le", formatLe(b)))] += 0
			}
		}
		want[series(name+"_bucket", withLabel(labels, "le", "+Inf"))]++
		want[series(name+"_sum", labels)] += v
		want[series(name+"_count", labels)]++
	}
	for _, c := range calls {
		l := base(c)
		class := "other"
		if c.code >= 200 && c.code < 600 {
			class = fmt.Sprintf("%dxx", c.code/100)
		}
		want[series("higress_ai_requests_total", withLabel(l, "higress_response_status_class", class))]++
		for typ, n := range map[string]int{"input": c.in, "output": c.out, "cached": c.cached, "reasoning": c.reasoning} {
			if n > 0 {
				histogram("gen_ai_client_token_usage", withLabel(l, "gen_ai_token_type", typ), float64(n), tokenBuckets)
			}
		}
		if c.serviceMs > 0 {
			histogram("gen_ai_client_operation_duration_seconds", l, float64(c.serviceMs)/1000, secondsBuckets)
		}
		if c.stream {
			histogram("gen_ai_client_operation_time_to_first_chunk_seconds", l, float64(c.firstMs)/1000, secondsBuckets)
		}
		switch c.model {
		case "gpt-4o":
			want[series("higress_usage_cost_total", withLabel(l, "higress_usage_currency", "USD"))] +=
				(float64(c.in-c.cached)*2.5 + float64(c.cached)*1.25 + float64(c.out)*10) / 1e6
		case "qwen-max":
			want[series("higress_usage_cost_total", withLabel(l, "higress_usage_currency", "CNY"))] +=
				(float64(c.in)*2.4 + float64(c.out)*9.6) / 1e6
		}
		if c.limited {
			want[series("higress_ai_rate_limited_total", l)]++
		}
		if c.cache != "" {
			want[series("higress_ai_cache_requests_total", withLabel(l, "higress_ai_cache_status", c.cache))]++
		}
		if dir, deny := map[string]string{"reqeust deny": "request", "response deny": "response"}[c.safecheck]; deny {
			want[series("higress_ai_safecheck_denied_total", withLabel(withLabel(l, "higress_ai_safecheck_direction", dir),
				"higress_ai_safecheck_risk_label", c.risk))]++
		}
		if c.tool != "" {
			status := "ok"
			if c.code >= 400 || c.toolErr != "" {
				status = "error"
			}
			histogram("mcp_server_operation_duration_seconds", map[string]string{
				"mcp_method_name": "tools/call", "gen_ai_tool_name": c.tool, "higress_mcp_server": "amap", "higress_mcp_status": status,
				"job": "higress-gateway", "instance": "gw-1",
			}, float64(c.durMs)/1000, secondsBuckets)
		}
	}
	return want
}

// config/metrics.yaml: every GenAI metric on the Prometheus endpoint
// matches what was posted — exact counts and histogram buckets, sums and
// cost to the last bit a double carries — across several batches (the
// series accumulate), while the rows still land in MySQL with their cost.
func TestMetricsConfigScrape(t *testing.T) {
	db := mysqltest.NewDatabase(t)
	t.Setenv("MYSQL_DSN", db.DSN)
	t.Setenv("METRICS_MODELS", "qwen-max|gpt-4o")
	t.Setenv("WAL_DIR", t.TempDir())
	addr, promAddr := freeAddr(t), freeAddr(t)
	startCollector(t, "file:../../config/metrics.yaml",
		"yaml:receivers::higresslog::endpoint: "+addr,
		"yaml:extensions::health_check::endpoint: "+freeAddr(t),
		"yaml:exporters::prometheus::endpoint: "+promAddr,
		"yaml:processors::batch/metrics::timeout: 100ms",
		metricsPricing)

	calls := testCalls()
	want := expectedMetrics(calls)
	// Hand-worked checks of the oracle itself: qwen-max, team-a, route-0
	// are m-00 (16 input tokens, on the le="16" bound) and m-12 (454).
	qwenA := `gen_ai_request_model="qwen-max",gen_ai_token_type="input",higress_consumer="team-a",higress_route_name="route-0",instance="gw-1",job="higress-gateway"`
	assert.Equal(t, 0.0, want[`gen_ai_client_token_usage_bucket{`+qwenA+`,le="4"}`])
	assert.Equal(t, 1.0, want[`gen_ai_client_token_usage_bucket{`+qwenA+`,le="16"}`])
	assert.Equal(t, 2.0, want[`gen_ai_client_token_usage_bucket{`+qwenA+`,le="1024"}`])
	assert.Equal(t, 470.0, want[`gen_ai_client_token_usage_sum{`+qwenA+`}`])
	assert.Equal(t, 28.0, totalOf(want, "higress_ai_requests_total", ""))
	assert.Equal(t, 4.0, totalOf(want, "higress_ai_requests_total", `higress_response_status_class="5xx"`), "m-04, m-12, m-20 and mcp-3")
	assert.Equal(t, 3.0, totalOf(want, "higress_ai_requests_total", `higress_response_status_class="other"`), "m-07, m-15, m-23 sent no status")

	url := "http://" + promAddr + "/metrics"
	var got map[string]float64
	for round, end := 0, 0; end < len(calls); round++ {
		start := end
		end = min(len(calls), start+10)
		for _, c := range calls[start:end] {
			postEntries(t, addr, "", c.entry())
		}
		var counted float64
		require.Eventually(t, func() bool {
			got = scrape(t, url, genaiPrefixes...)
			counted = 0
			for k, v := range got {
				if strings.HasPrefix(k, "higress_ai_requests_total{") {
					counted += v
				}
			}
			return int(counted) == end
		}, time.Minute, 50*time.Millisecond, "round %d: %v requests counted, want %d", round, counted, end)
	}
	assertSamples(t, want, got)
	assertREADMEDimensions(t, got)

	require.Eventually(t, func() bool { return len(rowsByRequestID(t, db)) == len(calls) },
		time.Minute, 50*time.Millisecond)
	var costUSD float64
	require.NoError(t, db.DB.QueryRow("SELECT SUM(cost) FROM `"+db.Name+"`.access_logs WHERE model = 'gpt-4o'").Scan(&costUSD))
	assert.InDelta(t, totalOf(want, "higress_usage_cost_total", `higress_usage_currency="USD"`), costUSD, 1e-12)
}

// assertSamples compares every sample: counts and bucket counts exactly,
// sums within a double's rounding of a different summation order.
func assertSamples(t *testing.T, want, got map[string]float64) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		if !assert.True(t, ok, "missing %s", k) {
			continue
		}
		if strings.Contains(k, "_sum{") || strings.HasPrefix(k, "higress_usage_cost_total") {
			assert.InDelta(t, w, g, 1e-9*math.Max(1, w), k)
		} else {
			assert.Equal(t, w, g, k)
		}
	}
	for k := range got {
		_, ok := want[k]
		assert.True(t, ok, "unexpected %s = %v", k, got[k])
	}
}

func totalOf(samples map[string]float64, name, label string) float64 {
	var sum float64
	for k, v := range samples {
		if strings.HasPrefix(k, name+"{") && strings.Contains(k, label) {
			sum += v
		}
	}
	return sum
}
