package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	cr "github.com/otelcol-higress/otelcol-higress/internal/chartrender"
)

// readmeMetric is one row of docs/metrics.md's metrics table.
type readmeMetric struct {
	prometheus string // the first Prometheus name of the row
	unit       string
	dimensions string
}

var backticked = regexp.MustCompile("`([^`]+)`")

// readmeMetrics reads the metrics table: OpenTelemetry name → row.
func readmeMetrics(t *testing.T) map[string]readmeMetric {
	t.Helper()
	readme, err := os.ReadFile("../../docs/metrics.md")
	require.NoError(t, err)
	const begin, end = "<!-- metrics-table:begin -->\n", "<!-- metrics-table:end -->"
	doc := string(readme)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	require.True(t, i >= 0 && j > i, "docs/metrics.md lacks the metrics table markers")
	rows := map[string]readmeMetric{}
	for _, line := range strings.Split(doc[i+len(begin):j], "\n")[2:] {
		cells := strings.Split(line, "|")
		if len(cells) < 7 {
			continue
		}
		prom := backticked.FindStringSubmatch(cells[2])
		require.NotNil(t, prom, line)
		rows[strings.Trim(strings.TrimSpace(cells[1]), "`")] = readmeMetric{
			prometheus: prom[1], unit: strings.Trim(strings.TrimSpace(cells[4]), "`"), dimensions: cells[5],
		}
	}
	return rows
}

// TestREADMEMetricsTable: the metrics table of docs/metrics.md has a row for every
// metric config/metrics.yaml defines, with its unit, and no other row.
// (Its dimensions are checked against a real scrape in
// TestMetricsConfigScrape.)
func TestREADMEMetricsTable(t *testing.T) {
	raw, err := os.ReadFile("../../config/metrics.yaml")
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, yaml.Unmarshal(raw, &cfg))
	rows := readmeMetrics(t)
	defined := map[string]bool{}
	for _, m := range cr.Get(cfg, "connectors", "signal_to_metrics", "logs").([]any) {
		name := cr.Str(m, "name")
		defined[name] = true
		row, ok := rows[name]
		if assert.True(t, ok, "docs/metrics.md lacks a row for %s", name) {
			assert.Equal(t, cr.Str(m, "unit"), row.unit, "%s unit", name)
		}
	}
	for name := range rows {
		assert.True(t, defined[name], "docs/metrics.md lists %s, which config/metrics.yaml does not define", name)
	}
}

// readmeShortLabels are the dimensions the README names in words.
var readmeShortLabels = map[string]string{
	"gen_ai_request_model": "model", "higress_consumer": "consumer", "higress_route_name": "route",
	// resource attributes, explained under the table
	"job": "", "instance": "", "le": "",
}

// assertREADMEDimensions: every family of a scrape has its README row, and
// every label of its series is among the row's dimensions.
func assertREADMEDimensions(t *testing.T, samples map[string]float64) {
	t.Helper()
	rows := readmeMetrics(t)
	byProm := map[string]readmeMetric{}
	for _, r := range rows {
		byProm[r.prometheus] = r
	}
	seen := map[string]bool{}
	for key := range samples {
		name, labels, _ := strings.Cut(strings.TrimSuffix(key, "}"), "{")
		if strings.HasSuffix(name, "_sum") || strings.HasSuffix(name, "_count") {
			continue // their _bucket carries the same labels
		}
		row, ok := byProm[name]
		if !assert.True(t, ok, "docs/metrics.md has no row for %s", name) {
			continue
		}
		seen[name] = true
		for _, kv := range strings.Split(labels, ",") {
			label, _, _ := strings.Cut(kv, "=")
			if short, ok := readmeShortLabels[label]; ok {
				assert.Contains(t, row.dimensions, short, "%s: %s", name, label)
				continue
			}
			documented := false
			for _, m := range backticked.FindAllStringSubmatch(row.dimensions, -1) {
				documented = documented || strings.ReplaceAll(m[1], ".", "_") == label
			}
			assert.True(t, documented, "docs/metrics.md: the row of %s does not list its label %s", name, label)
		}
	}
	for prom := range byProm {
		assert.True(t, seen[prom], "docs/metrics.md lists %s, which the scrape lacks", prom)
	}
}
