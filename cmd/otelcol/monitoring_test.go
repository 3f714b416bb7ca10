package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/otelcol"
	"sigs.k8s.io/yaml"

	cr "github.com/otelcol-higress/otelcol-higress/internal/chartrender"
	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
)

// TestChartMonitoringQueries: every alert of the chart's PrometheusRule and
// every query of its Grafana dashboard parses as PromQL (Prometheus's own
// parser) and names only metrics, and labels, that a real scrape of this
// build exposes: the collector the chart configures (GenAI metrics on)
// runs, receives requests that exercise every metric (a dead-lettered row
// included), and both its endpoints — its own telemetry and the GenAI
// exporter — are scraped for the list. With the write-ahead log (the
// default) the backlog queries read the log's size, without it the sending
// queue's: both configurations run.
func TestChartMonitoringQueries(t *testing.T) {
	for name, wal := range map[string]bool{"write-ahead log": true, "in-memory queue": false} {
		t.Run(name, func(t *testing.T) { checkChartMonitoringQueries(t, wal) })
	}
}

func checkChartMonitoringQueries(t *testing.T, wal bool) {
	objs, err := cr.Render(map[string]any{
		"mysql":          map[string]any{"dsn": "unused:pw@tcp(mysql:3306)/higress"},
		"wal":            map[string]any{"enabled": wal},
		"metrics":        map[string]any{"genai": map[string]any{"enabled": true}},
		"prometheusRule": map[string]any{"enabled": true},
		"dashboard":      map[string]any{"enabled": true},
		"config": map[string]any{"processors": map[string]any{"ailog": map[string]any{"pricing": map[string]any{
			"currency": "USD", "models": []any{map[string]any{"model": "gpt-4o*", "input_per_million": 2.5, "output_per_million": 10}},
		}}}},
	})
	require.NoError(t, err)
	exposed := scrapeChartCollector(t, objs)
	backlog := "otelcol_exporter_queue_size"
	if wal {
		backlog = "otelcol_receiver_higresslog_wal_size"
	}
	require.Contains(t, exposed, backlog, "the metric the backlog alert and panel read")

	queries := ruleQueries(t, objs)
	require.Len(t, queries, 6, "every alert")
	dash := dashboardQueries(t, objs)
	require.GreaterOrEqual(t, len(dash), 20, "every panel query")
	for k, v := range dash {
		queries[k] = v
	}
	p := parser.NewParser(parser.Options{})
	for where, q := range queries {
		expr, err := p.ParseExpr(grafanaVars.Replace(q))
		if !assert.NoError(t, err, "%s: %s", where, q) {
			continue
		}
		for _, problem := range unknownNames(expr, exposed) {
			t.Errorf("%s: %s\n  %s", where, problem, q)
		}
	}
	for where, lv := range dashboardVariables(t, objs) {
		labels, ok := exposed[lv[0]]
		assert.True(t, ok, "%s: metric %s not exposed", where, lv[0])
		assert.True(t, labels[lv[1]], "%s: %s has no label %s", where, lv[0], lv[1])
	}
}

// grafanaVars stands in for Grafana's variables so that queries parse.
var grafanaVars = strings.NewReplacer("$__rate_interval", "5m", "$__interval", "1m", "$__range", "1h",
	"$model", ".*", "$consumer", ".*")

// targetLabels are added by Prometheus when it scrapes, not by the collector.
var targetLabels = map[string]bool{"job": true, "instance": true}

// unknownNames lists the metric names and labels expr uses that the scrape
// does not have: selectors' names and matchers, and the grouping labels of
// aggregations (on some metric they aggregate).
func unknownNames(expr parser.Expr, exposed map[string]map[string]bool) []string {
	var problems []string
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		switch n := node.(type) {
		case *parser.VectorSelector:
			labels, ok := exposed[n.Name]
			if !ok {
				problems = append(problems, "metric "+n.Name+" is not exposed")
				return nil
			}
			for _, m := range n.LabelMatchers {
				if m.Name != "__name__" && !labels[m.Name] && !targetLabels[m.Name] {
					problems = append(problems, n.Name+" has no label "+m.Name)
				}
			}
		case *parser.AggregateExpr:
			var below []string
			parser.Inspect(n.Expr, func(inner parser.Node, _ []parser.Node) error {
				if vs, ok := inner.(*parser.VectorSelector); ok {
					below = append(below, vs.Name)
				}
				return nil
			})
			for _, l := range n.Grouping {
				found := targetLabels[l]
				for _, name := range below {
					found = found || exposed[name][l]
				}
				if !found {
					problems = append(problems, fmt.Sprintf("no metric of %v has the label %s it is grouped by", below, l))
				}
			}
		}
		return nil
	})
	return problems
}

// scrapeChartCollector runs the collector configuration the chart renders
// (ports moved to free ones, MariaDB), drives every metric and returns each
// exposed sample name with its label names.
func scrapeChartCollector(t *testing.T, objs []cr.Object) map[string]map[string]bool {
	raw, err := cr.CollectorConfig(objs)
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(raw), &cfg))
	addr, genaiAddr, ownAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	set := func(v any, path ...any) {
		parent := cr.Get(cfg, path[:len(path)-1]...).(map[string]any)
		parent[path[len(path)-1].(string)] = v
	}
	set(addr, "receivers", "higresslog", "endpoint")
	set(freeAddr(t), "extensions", "health_check", "endpoint")
	if cr.Get(cfg, "extensions", "file_storage/wal") != nil {
		set(t.TempDir(), "extensions", "file_storage/wal", "directory")
	}
	set(genaiAddr, "exporters", "prometheus", "endpoint")
	set("100ms", "processors", "batch/metrics", "timeout")
	host, port, _ := strings.Cut(ownAddr, ":")
	own := cr.Get(cfg, "service", "telemetry", "metrics", "readers", 0, "pull", "exporter", "prometheus").(map[string]any)
	own["host"] = host
	own["port"], err = strconv.Atoi(port)
	require.NoError(t, err)
	out, err := yaml.Marshal(cfg)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(path, out, 0o600))

	db := mysqltest.NewDatabase(t)
	t.Setenv("MYSQL_DSN", db.DSN)
	col, err := otelcol.NewCollector(collectorSettings("file:" + path))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- col.Run(context.Background()) }()
	t.Cleanup(func() {
		col.Shutdown()
		require.NoError(t, <-done)
	})
	require.Eventually(t, func() bool {
		select {
		case err := <-done:
			require.NoError(t, err, "collector stopped during start")
			return false
		default:
		}
		return col.GetState() == otelcol.StateRunning
	}, time.Minute, 20*time.Millisecond)

	calls := testCalls()
	for _, c := range calls {
		postEntries(t, addr, "", c.entry())
	}
	require.Eventually(t, func() bool { return len(rowsByRequestID(t, db)) == len(calls) }, time.Minute, 50*time.Millisecond)
	// A row MySQL refuses, so that the dead-letter counter exists.
	_, err = db.DB.Exec("ALTER TABLE `" + db.Name + "`.access_logs ADD CONSTRAINT chk_poison CHECK (response_code <> 999)")
	require.NoError(t, err)
	poison := aiEntry("poison", "gpt-4o", "team-a", "route-0", 1, 1)
	poison["response_code"] = 999
	postEntries(t, addr, "", poison)

	exposed := map[string]map[string]bool{}
	require.Eventually(t, func() bool {
		exposed = map[string]map[string]bool{}
		for _, url := range []string{"http://" + ownAddr + "/metrics", "http://" + genaiAddr + "/metrics"} {
			for name, fam := range scrapeFamilies(t, url) {
				addFamily(exposed, name, fam)
			}
		}
		_, rejected := exposed["otelcol_exporter_mysqlaccesslog_rows_rejected"]
		_, mcp := exposed["mcp_server_operation_duration_seconds_count"]
		return rejected && mcp
	}, time.Minute, 100*time.Millisecond, "the scrape lacks the dead-letter or the GenAI metrics")
	names := make([]string, 0, len(exposed))
	for n := range exposed {
		names = append(names, n)
	}
	sort.Strings(names)
	t.Logf("%d names exposed: %s", len(names), strings.Join(names, " "))
	return exposed
}

// addFamily records a family's sample names (histograms: _bucket, _sum,
// _count) with the label names of its series.
func addFamily(exposed map[string]map[string]bool, name string, fam *dto.MetricFamily) {
	sampleNames := []string{name}
	if fam.GetType() == dto.MetricType_HISTOGRAM || fam.GetType() == dto.MetricType_SUMMARY {
		sampleNames = []string{name + "_bucket", name + "_sum", name + "_count"}
	}
	for _, sn := range sampleNames {
		labels := exposed[sn]
		if labels == nil {
			labels = map[string]bool{}
			exposed[sn] = labels
		}
		if strings.HasSuffix(sn, "_bucket") {
			labels["le"] = true
		}
		for _, m := range fam.GetMetric() {
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = true
			}
		}
	}
}

// ruleQueries: alert name → expression.
func ruleQueries(t *testing.T, objs []cr.Object) map[string]string {
	rules := cr.Find(objs, "PrometheusRule")
	require.Len(t, rules, 1)
	out := map[string]string{}
	for _, g := range cr.Get(rules[0], "spec", "groups").([]any) {
		for _, r := range cr.Get(g, "rules").([]any) {
			out["alert "+cr.Str(r, "alert")] = cr.Str(r, "expr")
		}
	}
	return out
}

func dashboardJSON(t *testing.T, objs []cr.Object) map[string]any {
	for _, cm := range cr.Find(objs, "ConfigMap") {
		if s := cr.Str(cm, "data", "otelcol-higress.json"); s != "" {
			var board map[string]any
			require.NoError(t, json.Unmarshal([]byte(s), &board))
			return board
		}
	}
	t.Fatal("no dashboard ConfigMap")
	return nil
}

// dashboardQueries: "panel title/refId" → expression, rows' panels included.
func dashboardQueries(t *testing.T, objs []cr.Object) map[string]string {
	out := map[string]string{}
	var walk func(panels []any)
	walk = func(panels []any) {
		for _, p := range panels {
			if inner, ok := cr.Get(p, "panels").([]any); ok {
				walk(inner)
			}
			targets, _ := cr.Get(p, "targets").([]any)
			for _, tg := range targets {
				out["panel "+cr.Str(p, "title")+"/"+cr.Str(tg, "refId")] = cr.Str(tg, "expr")
			}
		}
	}
	walk(dashboardJSON(t, objs)["panels"].([]any))
	return out
}

var labelValues = regexp.MustCompile(`^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)$`)

// dashboardVariables: variable → [metric, label] of its label_values query.
func dashboardVariables(t *testing.T, objs []cr.Object) map[string][2]string {
	out := map[string][2]string{}
	for _, v := range cr.Get(dashboardJSON(t, objs), "templating", "list").([]any) {
		if cr.Str(v, "type") != "query" {
			continue
		}
		m := labelValues.FindStringSubmatch(cr.Str(v, "definition"))
		require.NotNil(t, m, "variable %s: %s", cr.Str(v, "name"), cr.Str(v, "definition"))
		out["variable "+cr.Str(v, "name")] = [2]string{m[1], m[2]}
	}
	require.NotEmpty(t, out)
	return out
}
