package mysqlaccesslogexporter

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelcol-higress/otelcol-higress/internal/cpubench"
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

// sessionCPU reads the CPU time of the MariaDB server thread serving db's
// one connection (information_schema.PROCESSLIST.TID, MariaDB's
// one-thread-per-connection): the server's cost of our statements alone,
// which the whole server's CPU (serverCPU) mixes with every other client.
// It returns nil when that thread cannot be read on this machine.
func sessionCPU(tb testing.TB, db *sql.DB) func() time.Duration {
	db.SetMaxOpenConns(1) // every statement on the thread read here
	var tid int64
	if err := db.QueryRow("SELECT TID FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()").Scan(&tid); err != nil {
		tb.Logf("no server thread id: %v", err)
		return nil
	}
	stats, _ := filepath.Glob(fmt.Sprintf("/proc/[0-9]*/task/%d/stat", tid))
	if len(stats) != 1 {
		return nil
	}
	read := func() time.Duration {
		d, _ := cpubench.ProcStatCPU(stats[0])
		return d
	}
	start := read()
	return func() time.Duration { return read() - start }
}
