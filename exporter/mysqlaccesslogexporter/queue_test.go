package mysqlaccesslogexporter

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-higress/otelcol-higress/internal/loadgen"
)

// TestQueueBoundedByBytes: with the database away, the default queue
// (bytes sizer, batches in rows) takes records until their bytes reach
// queue_size, whatever their count, and delivers them all once the
// database is back.
func TestQueueBoundedByBytes(t *testing.T) {
	tg := mariaTarget(t)
	proxy := newProxy(t, tg)
	proxy.SetDown(true)
	cfg := testConfig(tg, tg.viaAddr(t, proxy.Addr()))
	cfg.BackOffConfig.MaxElapsedTime = 0
	q := createDefaultConfig().(*Config).QueueConfig.Get()
	require.Equal(t, exporterhelper.RequestSizerTypeBytes, q.Sizer)
	q.QueueSize = minQueueBytes
	cfg.QueueConfig = configoptional.Some(*q)
	exp, _ := startExporter(t, cfg, nopSettings())

	accepted, bytes := 0, 0
	for i := range 3000 {
		ld := entryLogs(loadgen.Entry("bytes", i, 0))
		// Measured before the call: afterwards the queue owns ld.
		size := (&plog.ProtoMarshaler{}).LogsSize(ld)
		if err := exp.ConsumeLogs(context.Background(), ld); err != nil {
			break
		}
		accepted++
		bytes += size
	}
	t.Logf("accepted %d records, %d bytes of protobuf", accepted, bytes)
	assert.Less(t, accepted, 3000, "the queue filled")
	assert.Greater(t, accepted, 100, "1 MiB holds many records")
	assert.LessOrEqual(t, bytes, minQueueBytes)

	proxy.SetDown(false)
	require.Eventually(t, func() bool {
		return tg.count(t, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'access_logs'", tg.database) == 1 &&
			tg.count(t, "SELECT COUNT(*) FROM "+qualified(tg.database, "access_logs")) == accepted
	}, time.Minute, 100*time.Millisecond)
	assertExactlyOnce(t, tg, accepted)
}
