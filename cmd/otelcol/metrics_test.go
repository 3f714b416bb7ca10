package main

import (
	"fmt"
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

// scrape returns every higress_ai_* sample of a Prometheus endpoint.
func scrape(t *testing.T, url string) map[string]float64 {
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
	out := map[string]float64{}
	for name, fam := range families {
		if !strings.HasPrefix(name, "higress_ai_") {
			continue
		}
		for _, m := range fam.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			out[series(name, labels)] = sampleValue(fam.GetType(), m)
		}
	}
	return out
}

func sampleValue(typ dto.MetricType, m *dto.Metric) float64 {
	switch typ {
	case dto.MetricType_COUNTER:
		return m.GetCounter().GetValue()
	case dto.MetricType_GAUGE:
		return m.GetGauge().GetValue()
	default:
		return m.GetUntyped().GetValue()
	}
}

// config/metrics.yaml: requests and token sums per model, consumer and route
// on the Prometheus endpoint match what was posted, across several batches
// (the counters accumulate), while the rows still land in MySQL.
func TestMetricsConfigCountsAndTokenSums(t *testing.T) {
	db := mysqltest.NewDatabase(t)
	t.Setenv("MYSQL_DSN", db.DSN)
	addr, promAddr := freeAddr(t), freeAddr(t)
	startCollector(t, "file:../../config/metrics.yaml",
		"yaml:receivers::higresslog::endpoint: "+addr,
		"yaml:extensions::health_check::endpoint: "+freeAddr(t),
		"yaml:exporters::prometheus::endpoint: "+promAddr,
		"yaml:processors::batch/metrics::timeout: 100ms")

	type dims struct{ model, consumer, route string }
	type totals struct{ requests, in, out, total int }
	want := map[dims]totals{}
	var entries []map[string]any
	for i := range 24 {
		d := dims{[]string{"qwen-max", "gpt-4o", "deepseek-r1"}[i%3], []string{"team-a", "team-b"}[i%2], "route-" + fmt.Sprint(i%4/2)}
		in, out := 10+i, 3*i
		entries = append(entries, aiEntry(fmt.Sprintf("m-%02d", i), d.model, d.consumer, d.route, in, out))
		w := want[d]
		w.requests, w.in, w.out, w.total = w.requests+1, w.in+in, w.out+out, w.total+in+out
		want[d] = w
	}
	// Usage only in ai_log (string numbers), no top-level model: ailog's
	// fallbacks feed the metrics just as they feed the columns.
	fallback := aiEntry("m-fallback", "", "team-a", "route-0", 0, 0)
	for _, k := range []string{"input_tokens", "output_tokens", "total_tokens"} {
		delete(fallback, k)
	}
	fallback["ai_log"] = map[string]any{"model": "qwen-max", "input_token": "7", "output_token": "5"}
	entries = append(entries, fallback)
	w := want[dims{"qwen-max", "team-a", "route-0"}]
	w.requests, w.in, w.out, w.total = w.requests+1, w.in+7, w.out+5, w.total+12
	want[dims{"qwen-max", "team-a", "route-0"}] = w

	expected := map[string]float64{}
	for d, w := range want {
		labels := func(kv ...string) map[string]string {
			l := map[string]string{
				"gen_ai_request_model": d.model, "higress_consumer": d.consumer, "higress_route_name": d.route,
				// resource service.name and service.instance.id (instance_id)
				"job": "higress-gateway", "instance": "gw-1",
			}
			for i := 0; i < len(kv); i += 2 {
				l[kv[i]] = kv[i+1]
			}
			return l
		}
		expected[series("higress_ai_requests_total", labels("http_response_status_code", "200"))] = float64(w.requests)
		expected[series("higress_ai_tokens_total", labels("gen_ai_token_type", "input"))] = float64(w.in)
		expected[series("higress_ai_tokens_total", labels("gen_ai_token_type", "output"))] = float64(w.out)
		expected[series("higress_ai_tokens_total", labels("gen_ai_token_type", "total"))] = float64(w.total)
	}

	// Three rounds, each scraped before the next: the deltas of separate
	// batches must add up, not replace each other.
	url := "http://" + promAddr + "/metrics"
	var got map[string]float64
	for round, end := 0, 0; end < len(entries); round++ {
		start := end
		end = min(len(entries), start+10)
		postEntries(t, addr, "", entries[start:end]...)
		var sent float64
		require.Eventually(t, func() bool {
			got = scrape(t, url)
			sent = 0
			for k, v := range got {
				if strings.HasPrefix(k, "higress_ai_requests_total") {
					sent += v
				}
			}
			return int(sent) == end
		}, 20*time.Second, 50*time.Millisecond, "round %d: %v requests counted, want %d", round, sent, end)
	}
	assert.Equal(t, expected, got)

	require.Eventually(t, func() bool { return len(rowsByRequestID(t, db)) == len(entries) },
		20*time.Second, 50*time.Millisecond)
}
