package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/otelcol"

	cr "github.com/otelcol-higress/otelcol-higress/internal/chartrender"
)

// The collector config the Helm chart renders must load and validate
// against this build, in every value combination users deploy.
func TestChartConfigValidates(t *testing.T) {
	t.Setenv("MYSQL_DSN", "higress:secret@tcp(mysql:3306)/higress")
	t.Setenv("INGEST_TOKEN", "token-for-validation")
	t.Setenv("QUERY_MYSQL_DSN", "ro:pw@tcp(mysql:3306)/higress")
	t.Setenv("QUERY_TOKEN", "token-for-validation")
	dsn := map[string]any{"dsn": "higress:pw@tcp(mysql:3306)/himarket"}
	cases := map[string]map[string]any{
		"defaults":    {"mysql": dsn},
		"persistence": {"mysql": dsn, "persistence": map[string]any{"enabled": true}},
		"wal-sized": {"mysql": dsn, "wal": map[string]any{"maxSize": 2 << 30, "drainTimeout": "2m"},
			"terminationGracePeriodSeconds": 150},
		"wal-disabled": {"mysql": dsn, "wal": map[string]any{"enabled": false}},
		"auth":         {"mysql": dsn, "ingest": map[string]any{"auth": map[string]any{"enabled": true, "token": "t"}}},
		"genai-metrics": {"mysql": dsn, "metrics": map[string]any{"genai": map[string]any{"enabled": true, "models": "gpt-4o.*"}},
			"prometheusRule": map[string]any{"enabled": true}, "dashboard": map[string]any{"enabled": true}},
		"query": {"mysql": dsn, "query": map[string]any{"enabled": true, "dsn": "ro:pw@tcp(mysql:3306)/higress", "auth": map[string]any{"token": "q"}}},
		"fan-out": {"mysql": dsn, "config": map[string]any{
			"exporters": map[string]any{"otlphttp": map[string]any{"endpoint": "http://otel-gateway:4318"}},
			"service": map[string]any{"pipelines": map[string]any{"logs": map[string]any{
				"exporters": []any{"mysqlaccesslog", "otlphttp"},
			}}},
		}},
	}
	for name, values := range cases {
		t.Run(name, func(t *testing.T) {
			objs, err := cr.Render(values)
			require.NoError(t, err)
			cfg, err := cr.CollectorConfig(objs)
			require.NoError(t, err)
			path := filepath.Join(t.TempDir(), "config.yaml")
			require.NoError(t, os.WriteFile(path, []byte(cfg), 0o600))
			col, err := otelcol.NewCollector(collectorSettings("file:" + path))
			require.NoError(t, err)
			require.NoError(t, col.DryRun(context.Background()), cfg)
		})
	}
}
