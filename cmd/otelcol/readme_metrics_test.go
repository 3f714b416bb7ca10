package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	cr "github.com/otelcol-higress/otelcol-higress/internal/chartrender"
)

// TestREADMEMetricsTable: the README's metrics table has a row for every
// metric config/metrics.yaml defines, with its unit and every dimension
// (model, consumer and route by their README names), and no other row.
func TestREADMEMetricsTable(t *testing.T) {
	raw, err := os.ReadFile("../../config/metrics.yaml")
	require.NoError(t, err)
	var cfg map[string]any
	require.NoError(t, yaml.Unmarshal(raw, &cfg))
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	const begin, end = "<!-- metrics-table:begin -->\n", "<!-- metrics-table:end -->"
	doc := string(readme)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	require.True(t, i >= 0 && j > i, "README.md lacks the metrics table markers")
	rows := map[string]string{}
	for _, line := range strings.Split(doc[i+len(begin):j], "\n")[2:] {
		if cells := strings.Split(line, "|"); len(cells) > 2 {
			rows[strings.Trim(strings.TrimSpace(cells[1]), "`")] = line
		}
	}
	short := map[string]string{"gen_ai.request.model": "model", "higress.consumer": "consumer", "higress.route_name": "route"}
	defined := map[string]bool{}
	for _, m := range cr.Get(cfg, "connectors", "signal_to_metrics", "logs").([]any) {
		name := cr.Str(m, "name")
		defined[name] = true
		row, ok := rows[name]
		if !assert.True(t, ok, "README lacks a row for %s", name) {
			continue
		}
		cells := strings.Split(row, "|")
		assert.Equal(t, "`"+cr.Str(m, "unit")+"`", strings.TrimSpace(cells[4]), "%s unit", name)
		for _, a := range cr.Get(m, "attributes").([]any) {
			key := cr.Str(a, "key")
			want := "`" + key + "`"
			if s, ok := short[key]; ok {
				want = s
			}
			assert.Contains(t, cells[5], want, "%s dimension %s", name, key)
		}
	}
	for name := range rows {
		assert.True(t, defined[name], "README lists %s, which config/metrics.yaml does not define", name)
	}
}
