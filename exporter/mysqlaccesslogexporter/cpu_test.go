package mysqlaccesslogexporter

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelcol-higress/otelcol-higress/processor/ailogprocessor"
)

// productionLogs is n copies of fullEntry as the pipeline hands them to
// the exporter: after the ailog processor, with its flattened attributes.
func productionLogs(tb testing.TB, n int) plog.Logs {
	entries := make([]map[string]any, n)
	for i := range entries {
		entries[i] = fullEntry()
	}
	sink := new(consumertest.LogsSink)
	f := ailogprocessor.NewFactory()
	p, err := f.CreateLogs(context.Background(), processortest.NewNopSettings(component.MustNewType("ailog")), f.CreateDefaultConfig(), sink)
	require.NoError(tb, err)
	require.NoError(tb, p.ConsumeLogs(context.Background(), entryLogs(entries...)))
	return sink.AllLogs()[0]
}
