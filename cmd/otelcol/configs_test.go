package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/otelcol"
)

// Every example in config/ must load and validate against this exact build
// (what `otelcol-higress validate --config FILE` checks).
func TestEveryConfigValidates(t *testing.T) {
	// Values the examples take from the environment.
	t.Setenv("MYSQL_DSN", "higress:secret@tcp(127.0.0.1:3306)/higress")
	t.Setenv("INGEST_TOKEN", "token-for-validation")
	t.Setenv("QUERY_MYSQL_DSN", "logquery:secret@tcp(127.0.0.1:3306)/higress")
	t.Setenv("QUERY_TOKEN", "token-for-validation")

	files, err := filepath.Glob("../../config/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			col, err := otelcol.NewCollector(collectorSettings("file:" + f))
			require.NoError(t, err)
			require.NoError(t, col.DryRun(context.Background()))
		})
	}
}
