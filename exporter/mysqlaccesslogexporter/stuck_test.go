package mysqlaccesslogexporter

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter/internal/metadatatest"
)

// oneConsumerConfig is the production shape at its most fragile: a queue
// with a single consumer, every push one record (no batching), retries
// without an end.
func oneConsumerConfig(tg *target, dsn string) *Config {
	cfg := testConfig(tg, dsn)
	cfg.BackOffConfig.MaxElapsedTime = 0
	q := exporterhelper.NewDefaultQueueConfig()
	q.NumConsumers = 1
	q.Batch = configoptional.None[exporterhelper.BatchConfig]()
	cfg.QueueConfig = configoptional.Some(q)
	return cfg
}

// refuseRequestID makes the database refuse every row with request_id
// 'poison' with an error the exporter does not know: a trigger's SIGNAL on
// MariaDB (error 1644), a CHECK on go-mysql-server (its generic 1105).
func refuseRequestID(t *testing.T, tg *target) {
	tbl := qualified(tg.database, "access_logs")
	if tg.gms {
		tg.exec(t, "ALTER TABLE "+tbl+" ADD CONSTRAINT chk_poison CHECK (request_id <> 'poison')")
		return
	}
	tg.exec(t, "CREATE TRIGGER "+qualified(tg.database, "refuse_poison")+" BEFORE INSERT ON "+tbl+
		" FOR EACH ROW BEGIN IF NEW.request_id = 'poison' THEN"+
		" SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'poison refused by a trigger'; END IF; END")
}

// TestRowNoRetryWillWrite: a row the database always refuses with an
// error the classifier does not know, alone in its push, in front of a
// single queue consumer, must not wedge the pipeline: after maxRefusals
// pushes it goes to the dead-letter table and everything behind it lands.
func TestRowNoRetryWillWrite(t *testing.T) {
	// Not on TiDB: it has no triggers, the way these tests make a server
	// refuse a row with an error the classifier does not know.
	mysqlTargets(t, func(t *testing.T, tg *target) {
		tt := componenttest.NewTelemetry()
		t.Cleanup(func() { _ = tt.Shutdown(context.Background()) })
		exp, _ := startExporter(t, oneConsumerConfig(tg, tg.dsn), metadatatest.NewSettings(tt))
		require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(simpleEntries(1, "first")...)))
		// Waited for on the exporter's own counts, not by polling the
		// table: see below.
		require.Eventually(t, func() bool { return counter(t, tt, "rows_written", "", "") == 1 }, time.Minute, 10*time.Millisecond)
		require.Equal(t, 1, tg.count(t, "SELECT COUNT(*) FROM "+qualified(tg.database, "access_logs")))
		refuseRequestID(t, tg)

		require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(map[string]any{"request_id": "poison", "path": "/p"})))
		for _, e := range simpleEntries(20, "behind") {
			require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(e)))
		}
		// Waited for on the exporter's own counts, not by polling the table:
		// on go-mysql-server a read racing the inserts commits its stale
		// copy of the memory table over them (a lost row, every other run
		// on a loaded machine).
		require.Eventually(t, func() bool {
			return counter(t, tt, "rows_written", "", "") == 21 && counter(t, tt, "rows_rejected", "", "") == 1
		}, 60*time.Second, 20*time.Millisecond, "the rows behind the refused one are written")
		assert.Equal(t, 21, tg.count(t, "SELECT COUNT(*) FROM "+qualified(tg.database, "access_logs")))
		dl := readDeadLetter(t, tg, "poison")
		assert.Equal(t, reasonRefused, dl.reason)
		assert.Equal(t, 0, tg.count(t, "SELECT COUNT(*) FROM "+qualified(tg.database, "access_logs")+" WHERE request_id = 'poison'"))
		metadatatest.AssertEqualExporterMysqlaccesslogRowsRejected(t, tt, []metricdata.DataPoint[int64]{
			{Value: 1, Attributes: attribute.NewSet(attribute.String("reason", reasonRefused))},
		}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	})
}

// TestRowNoRetryWillWriteWithoutDeadLetterTable: with no dead-letter
// table (create_schema off, only the main table exists) the refused row is
// logged whole at error level and counted as dropped, and the rest flows.
func TestRowNoRetryWillWriteWithoutDeadLetterTable(t *testing.T) {
	tg := mariaTarget(t)
	tg.exec(t, createTableSQL(tg.database, "access_logs", tg.flavor, false, time.Time{}, 0))
	refuseRequestID(t, tg)
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { _ = tt.Shutdown(context.Background()) })
	set := metadatatest.NewSettings(tt)
	core, logs := observer.New(zap.ErrorLevel)
	set.Logger = zap.New(core)
	cfg := oneConsumerConfig(tg, tg.dsn)
	cfg.CreateSchema = false
	exp, _ := startExporter(t, cfg, set)

	require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(map[string]any{"request_id": "poison", "path": "/p"})))
	for _, e := range simpleEntries(5, "behind") {
		require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(e)))
	}
	require.Eventually(t, func() bool {
		return tg.count(t, "SELECT COUNT(*) FROM "+qualified(tg.database, "access_logs")) == 5
	}, 60*time.Second, 20*time.Millisecond)
	require.Eventually(t, func() bool { return logs.FilterMessageSnippet("the record is here in full").Len() == 1 },
		time.Minute, 10*time.Millisecond)
	entry := logs.FilterMessageSnippet("the record is here in full").All()[0]
	assert.Contains(t, entry.ContextMap()["record"], `"stringValue":"poison"`)
	assert.Contains(t, entry.ContextMap()["error"], "poison refused by a trigger")
	metadatatest.AssertEqualExporterMysqlaccesslogRowsDropped(t, tt, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("reason", reasonRefused))},
	}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
}

// TestDatabaseDownRetriedWithoutLimit: a database that does not answer is
// not a row the database refuses: the records wait through many more
// retries than maxRefusals and all land once it is back, none in the
// dead-letter table.
func TestDatabaseDownRetriedWithoutLimit(t *testing.T) {
	tg := mariaTarget(t)
	proxy := newProxy(t, tg)
	set := nopSettings()
	core, logs := observer.New(zapcore.DebugLevel)
	set.Logger = zap.New(core)
	exp, _ := startExporter(t, oneConsumerConfig(tg, tg.viaAddr(t, proxy.Addr())), set)
	require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(simpleEntries(1, "first")...)))
	require.Eventually(t, func() bool {
		return tg.count(t, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'access_logs'", tg.database) == 1 &&
			tg.count(t, "SELECT COUNT(*) FROM "+qualified(tg.database, "access_logs")) == 1
	}, time.Minute, 10*time.Millisecond)

	proxy.SetDown(true)
	for _, e := range simpleEntries(5, "down") {
		require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(e)))
	}
	require.Eventually(t, func() bool {
		return logs.FilterMessageSnippet("Will retry").Len() > 3*maxRefusals
	}, 60*time.Second, 10*time.Millisecond, "retried well past maxRefusals")
	proxy.SetDown(false)
	require.Eventually(t, func() bool {
		return tg.count(t, "SELECT COUNT(*) FROM "+qualified(tg.database, "access_logs")) == 6
	}, 60*time.Second, 20*time.Millisecond)
	assertExactlyOnce(t, tg, 6)
	assert.Zero(t, tg.count(t, "SELECT COUNT(*) FROM "+qualified(tg.database, "access_logs_rejected")))
}
