package helm_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	cr "github.com/otelcol-higress/otelcol-higress/internal/chartrender"
)

func genaiOn(extra map[string]any) map[string]any {
	v := withDSN(extra)
	metrics, _ := v["metrics"].(map[string]any)
	if metrics == nil {
		metrics = map[string]any{}
	}
	genai, _ := metrics["genai"].(map[string]any)
	if genai == nil {
		genai = map[string]any{}
	}
	genai["enabled"] = true
	metrics["genai"] = genai
	v["metrics"] = metrics
	return v
}

// Off by default: no GenAI pipeline, no rules, no dashboard.
func TestMonitoringOffByDefault(t *testing.T) {
	objs := render(t, withDSN(nil))
	assert.Empty(t, cr.Find(objs, "PrometheusRule"))
	require.Len(t, cr.Find(objs, "ConfigMap"), 1, "only the collector's configuration")
	cfg := collectorConfig(t, objs)
	assert.Nil(t, cr.Get(cfg, "connectors"))
	assert.Equal(t, []any{"mysqlaccesslog"}, cr.Get(cfg, "service", "pipelines", "logs", "exporters"))
	assert.Nil(t, cr.Get(cfg, "service", "pipelines", "metrics"))
}

// metrics.genai adds the pipeline of config/metrics.yaml, its port on the
// pod, the Service and both monitors, and the allow-lists as environment.
func TestGenAIMetricsPipeline(t *testing.T) {
	objs := render(t, genaiOn(map[string]any{"metrics": map[string]any{
		"genai":          map[string]any{"port": 9464, "models": "gpt-4o.*|qwen-max", "tools": "maps_.*", "maxSeries": 5000},
		"serviceMonitor": map[string]any{"enabled": true},
		"podMonitor":     map[string]any{"enabled": true},
	}}))
	cfg := collectorConfig(t, objs)
	assert.Equal(t, []any{"mysqlaccesslog", "signal_to_metrics"}, cr.Get(cfg, "service", "pipelines", "logs", "exporters"))
	assert.Equal(t, map[string]any{
		"receivers":  []any{"signal_to_metrics"},
		"processors": []any{"batch/metrics", "transform/genai", "deltatocumulative"},
		"exporters":  []any{"prometheus"},
	}, cr.Get(cfg, "service", "pipelines", "metrics"))
	assert.Equal(t, "0.0.0.0:9464", cr.Get(cfg, "exporters", "prometheus", "endpoint"))
	assert.EqualValues(t, 5000, cr.Get(cfg, "processors", "deltatocumulative", "max_streams"))
	assert.NotNil(t, cr.Get(cfg, "exporters", "mysqlaccesslog"), "merged, not replaced")
	assert.NotNil(t, cr.Get(cfg, "processors", "ailog"))

	c := container(t, one(t, objs, "Deployment"))
	assert.Equal(t, "gpt-4o.*|qwen-max", cr.Get(envVar(c, "METRICS_MODELS"), "value"))
	assert.Equal(t, "maps_.*", cr.Get(envVar(c, "METRICS_TOOLS"), "value"))
	var podPorts, svcPorts []any
	for _, p := range c["ports"].([]any) {
		podPorts = append(podPorts, cr.Get(p, "name"))
	}
	for _, p := range cr.Get(one(t, objs, "Service"), "spec", "ports").([]any) {
		svcPorts = append(svcPorts, cr.Get(p, "name"))
	}
	assert.Contains(t, podPorts, "genai-metrics")
	assert.Contains(t, svcPorts, "genai-metrics")
	assert.Equal(t, "genai-metrics", cr.Get(one(t, objs, "ServiceMonitor"), "spec", "endpoints", 1, "port"))
	assert.Equal(t, "genai-metrics", cr.Get(one(t, objs, "PodMonitor"), "spec", "podMetricsEndpoints", 1, "port"))

	// No allow-list: config/metrics.yaml's default (every name) applies.
	c = container(t, one(t, render(t, genaiOn(nil)), "Deployment"))
	assert.Nil(t, envVar(c, "METRICS_MODELS"))
}

// files/genai-metrics.yaml is the GenAI pipeline of config/metrics.yaml;
// the chart must not drift from what the scrape test checks.
func TestChartGenAIMetricsMatchConfig(t *testing.T) {
	read := func(path string) map[string]any {
		raw, err := os.ReadFile(path)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, yaml.Unmarshal(raw, &m))
		return m
	}
	chart := read(filepath.Join(cr.ChartDir(), "files", "genai-metrics.yaml"))
	config := read("../../config/metrics.yaml")
	for _, name := range []string{"batch/metrics", "transform/genai", "deltatocumulative"} {
		assert.Equal(t, cr.Get(config, "processors", name), cr.Get(chart, "processors", name), name)
	}
	assert.Equal(t, config["connectors"], chart["connectors"])
	assert.Equal(t, cr.Get(config, "exporters", "prometheus"), cr.Get(chart, "exporters", "prometheus"))
	assert.Equal(t, map[string]any{
		"receivers":  []any{"signal_to_metrics"},
		"processors": []any{"batch/metrics", "transform/genai", "deltatocumulative"},
		"exporters":  []any{"prometheus"},
	}, cr.Get(config, "service", "pipelines", "metrics"), "the pipeline the chart builds")
}

// The rules: collector alerts always, GenAI alerts with metrics.genai;
// thresholds from values.
func TestPrometheusRule(t *testing.T) {
	alerts := func(values map[string]any) map[string]string {
		rule := one(t, render(t, values), "PrometheusRule")
		out := map[string]string{}
		for _, g := range cr.Get(rule, "spec", "groups").([]any) {
			for _, r := range cr.Get(g, "rules").([]any) {
				out[cr.Str(r, "alert")] = cr.Str(r, "expr")
			}
		}
		return out
	}
	on := map[string]any{"enabled": true, "labels": map[string]any{"release": "prom"}, "llmLatencyP95Seconds": 12}
	collectorOnly := alerts(withDSN(map[string]any{"prometheusRule": on}))
	assert.ElementsMatch(t, []string{"OtelcolHigressCannotWrite", "OtelcolHigressQueueAlmostFull", "OtelcolHigressRowsDeadLettered"}, keys(collectorOnly))

	all := alerts(genaiOn(map[string]any{"prometheusRule": on}))
	assert.ElementsMatch(t, []string{"OtelcolHigressCannotWrite", "OtelcolHigressQueueAlmostFull", "OtelcolHigressRowsDeadLettered",
		"HigressAIServerErrorRatioHigh", "HigressAIRateLimitedSpike", "HigressAILLMLatencyHigh"}, keys(all))
	assert.Contains(t, all["HigressAILLMLatencyHigh"], "> 12")
	assert.Contains(t, all["OtelcolHigressQueueAlmostFull"], "> 0.8")
	assert.Contains(t, all["OtelcolHigressQueueAlmostFull"], "otelcol_receiver_higresslog_wal_size) / 536870912", "the log against wal.maxSize")
	memory := alerts(withDSN(map[string]any{"prometheusRule": on, "wal": map[string]any{"enabled": false}}))
	assert.Contains(t, memory["OtelcolHigressQueueAlmostFull"], `otelcol_exporter_queue_size{exporter="mysqlaccesslog"}`, "without the log: the sending queue")
	rule := one(t, render(t, genaiOn(map[string]any{"prometheusRule": on})), "PrometheusRule")
	assert.Equal(t, "prom", cr.Get(rule, "metadata", "labels", "release"))
}

// The dashboard is a ConfigMap with the sidecar's label holding valid
// dashboard JSON; it needs the GenAI metrics.
func TestDashboardConfigMap(t *testing.T) {
	objs := render(t, genaiOn(map[string]any{"dashboard": map[string]any{
		"enabled": true, "annotations": map[string]any{"grafana_folder": "AI gateway"}, "namespace": "monitoring",
	}}))
	var dash cr.Object
	for _, cm := range cr.Find(objs, "ConfigMap") {
		if cm.Name() == "log-otelcol-higress-dashboard" {
			dash = cm
		}
	}
	require.NotNil(t, dash)
	assert.Equal(t, "1", cr.Get(dash, "metadata", "labels", "grafana_dashboard"))
	assert.Equal(t, "AI gateway", cr.Get(dash, "metadata", "annotations", "grafana_folder"))
	assert.Equal(t, "monitoring", cr.Get(dash, "metadata", "namespace"))
	var board map[string]any
	require.NoError(t, json.Unmarshal([]byte(cr.Str(dash, "data", "otelcol-higress.json")), &board))
	assert.Equal(t, "otelcol-higress", board["uid"])
	assert.NotEmpty(t, board["panels"])
	assert.NotContains(t, cr.Str(dash, "data", "otelcol-higress.json"), "__BACKLOG_FILL__", "every placeholder filled")

	_, err := cr.Render(withDSN(map[string]any{"dashboard": map[string]any{"enabled": true}}))
	assert.ErrorContains(t, err, "dashboard.enabled needs metrics.genai.enabled")
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
