package mysqlaccesslogexporter

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter/internal/metadatatest"
	"github.com/otelcol-higress/otelcol-higress/internal/mysqlconn"
	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
)

// TestPoisonRow: one row the database refuses among good ones. The good
// rows land, the bad one is in <table>_rejected with its record and the
// error, and it is counted. MariaDB says which constraint failed (a data
// error: dead-lettered at once); go-mysql-server answers with its generic
// 1105 (dead-lettered after maxRefusals pushes).
func TestPoisonRow(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		tt := componenttest.NewTelemetry()
		t.Cleanup(func() { _ = tt.Shutdown(context.Background()) })
		exp, _ := startExporter(t, testConfig(tg, tg.dsn), metadatatest.NewSettings(tt))
		// Let the exporter create the table, then add a constraint only the
		// poison row violates (its values pass every client-side check).
		require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(simpleEntries(1, "first")...)))
		if tg.flavor == mysqlconn.TiDB {
			// TiDB parses CHECK constraints and enforces them only with
			// this switch on (off by default).
			tg.exec(t, "SET GLOBAL tidb_enable_check_constraint = ON")
		}
		tg.exec(t, "ALTER TABLE "+qualified(tg.database, "access_logs")+" ADD CONSTRAINT chk_code CHECK (response_code <> 999)")

		entries := simpleEntries(9, "good")
		poison := map[string]any{"request_id": "poison", "response_code": 999, "path": "/poison"}
		entries = append(entries[:4], append([]map[string]any{poison}, entries[4:]...)...)
		require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(entries...)))

		assert.Equal(t, 10, tg.count(t, "SELECT COUNT(*) FROM "+qualified(tg.database, "access_logs")))
		assert.Equal(t, 0, tg.count(t, "SELECT COUNT(*) FROM "+qualified(tg.database, "access_logs")+" WHERE request_id = 'poison'"))
		var record, errText, requestID string
		require.NoError(t, tg.admin.QueryRow("SELECT `record`, `error`, `request_id` FROM "+qualified(tg.database, "access_logs_rejected")).
			Scan(&record, &errText, &requestID))
		assert.Equal(t, "poison", requestID)
		assert.Contains(t, record, `"stringValue":"poison"`)
		assert.Contains(t, errText, "chk_code")

		reason := reasonData
		if tg.gms {
			reason = reasonRefused
		}
		metadatatest.AssertEqualExporterMysqlaccesslogRowsRejected(t, tt, []metricdata.DataPoint[int64]{
			{Value: 1, Attributes: attribute.NewSet(attribute.String("reason", reason))},
		}, metricdatatest.IgnoreTimestamp(), metricdatatest.IgnoreExemplars())
	})
}

// TestDatabaseDownAtStart: Start succeeds with the database unreachable,
// status turns recoverable-error, and once the database is back every
// record written meanwhile lands exactly once.
func TestDatabaseDownAtStart(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		proxy := newProxy(t, tg)
		proxy.SetDown(true)
		exp, host := startExporter(t, testConfig(tg, tg.viaAddr(t, proxy.Addr())), nopSettings())
		require.Eventually(t, func() bool { return host.seen(componentstatus.StatusRecoverableError) },
			time.Minute, 10*time.Millisecond)

		done := make(chan error, 1)
		go func() { done <- exp.ConsumeLogs(context.Background(), entryLogs(simpleEntries(25, "down")...)) }()
		proxy.SetDown(false)
		require.NoError(t, <-done)
		assertExactlyOnce(t, tg, 25)
		assert.True(t, host.seen(componentstatus.StatusOK))
	})
}

// TestConnectionsCutMidStream: connections are cut again and again while
// batches are written concurrently — every third INSERT loses its
// connection before or after it runs, and all connections are cut on a
// timer too; every record lands exactly once.
func TestConnectionsCutMidStream(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		proxy := newProxy(t, tg)
		cfg := testConfig(tg, tg.viaAddr(t, proxy.Addr()))
		cfg.MaxRowsPerStatement = 7 // many statements per batch, so cuts land between them
		exp, _ := startExporter(t, cfg, nopSettings())
		proxy.CutEvery("INSERT INTO", 3)

		stop := make(chan struct{})
		var cutter sync.WaitGroup
		cutter.Add(1)
		go func() {
			defer cutter.Done()
			if tg.gms {
				// A cut in the middle of a statement leaves go-mysql-server
				// finishing it in the old session while the retry runs in a
				// new one, and its memory tables lose one of two concurrent
				// commits. Only the packet-aligned cuts run there.
				return
			}
			for {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
					proxy.CutAll()
				}
			}
		}()

		const writers, batches, perBatch = 3, 10, 20
		var wg sync.WaitGroup
		errs := make(chan error, writers*batches)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for b := range batches {
					errs <- exp.ConsumeLogs(context.Background(), entryLogs(simpleEntries(perBatch, fmt.Sprintf("%d-%d", w, b))...))
				}
			}()
		}
		wg.Wait()
		close(stop)
		cutter.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		assertExactlyOnce(t, tg, writers*batches*perBatch)
		assert.Positive(t, proxy.Cuts.Load())
		assert.Positive(t, proxy.AcksDropped.Load())
	})
}

// TestLostCommitAck: the INSERT commits but its acknowledgement never
// reaches the exporter; the retry is absorbed, no row is duplicated.
func TestLostCommitAck(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		proxy := newProxy(t, tg)
		exp, _ := startExporter(t, testConfig(tg, tg.viaAddr(t, proxy.Addr())), nopSettings())
		// Schema first, so that the armed proxy meets the data INSERT.
		require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(simpleEntries(1, "warm")...)))
		proxy.DropNextAck("INSERT INTO")
		require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(simpleEntries(40, "ack")...)))
		assert.Equal(t, int64(1), proxy.AcksDropped.Load(), "the acknowledgement was dropped")
		assertExactlyOnce(t, tg, 41)
	})
}

func newProxy(t *testing.T, tg *target) *mysqltest.Proxy {
	p, err := mysqltest.NewProxy(tg.addr(t))
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// assertExactlyOnce: n rows, n distinct request ids, n distinct uids.
func assertExactlyOnce(t *testing.T, tg *target, n int) {
	t.Helper()
	tbl := qualified(tg.database, "access_logs")
	assert.Equal(t, n, tg.count(t, "SELECT COUNT(*) FROM "+tbl))
	assert.Equal(t, n, tg.count(t, "SELECT COUNT(DISTINCT request_id) FROM "+tbl))
	assert.Equal(t, n, tg.count(t, "SELECT COUNT(DISTINCT record_uid) FROM "+tbl))
}

// TestTableDroppedWhileRunning: a table dropped (or renamed away) under a
// running exporter is recreated and the batch lands, instead of failing
// forever on a cached schema.
func TestTableDroppedWhileRunning(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		exp, _ := startExporter(t, testConfig(tg, tg.dsn), nopSettings())
		require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(simpleEntries(3, "before")...)))
		tg.exec(t, "DROP TABLE "+qualified(tg.database, "access_logs"))
		require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(simpleEntries(4, "after")...)))
		assertExactlyOnce(t, tg, 4)
	})
}
