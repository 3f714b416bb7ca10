package higresslogreceiver

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/otelcol-higress/otelcol-higress/internal/cpubench"
	"github.com/otelcol-higress/otelcol-higress/internal/journal"
	"github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver/internal/metadata"
)

// BenchmarkIngest is one POST through the handler chain confighttp builds
// (its middleware, otelhttp, the handler, the JSON answer), called in
// process from 16 senders: net/http's connection handling and the client
// are left out, so the figure is the server's own work per request.
// memory: each request calls the pipeline (a no-op consumer); wal: each
// body is written to the write-ahead log in file_storage with fsync before
// the answer, and the log's feeders hand it to the no-op consumer.
// Per-POST overhead is single's cost minus array100's cost per record.
func BenchmarkIngest(b *testing.B) {
	for _, path := range []string{"memory", "wal"} {
		for _, bc := range benchBodies(b) {
			b.Run(path+"/"+bc.name, func(b *testing.B) { benchIngest(b, path == "wal", bc) })
		}
	}
}

// BenchmarkIngestTelemetry is memory/single with the collector's
// internal telemetry fully on (service::telemetry::traces with a span
// processor, metrics level detailed): what the HTTP instrumentation costs
// per request when a user turns it on.
func BenchmarkIngestTelemetry(b *testing.B) {
	set := componenttest.NewNopTelemetrySettings()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(dropSpans{}))
	b.Cleanup(func() { _ = mp.Shutdown(context.Background()); _ = tp.Shutdown(context.Background()) })
	set.MeterProvider, set.TracerProvider = mp, tp
	benchIngestWith(b, benchReceiverWith(b, false, set), benchBodies(b)[0])
}

// dropSpans is a span processor that keeps nothing: spans are recorded,
// as with any processor, and not exported.
type dropSpans struct{}

func (dropSpans) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (dropSpans) OnEnd(sdktrace.ReadOnlySpan)                     {}
func (dropSpans) Shutdown(context.Context) error                  { return nil }
func (dropSpans) ForceFlush(context.Context) error                { return nil }

func benchIngest(b *testing.B, wal bool, bc benchBody) {
	benchIngestWith(b, benchReceiver(b, wal), bc)
}

func benchIngestWith(b *testing.B, r *higressReceiver, bc benchBody) {
	h := r.server.Handler
	b.SetBytes(int64(len(bc.body)))
	b.SetParallelism(8) // 16 senders on 2 cores, as cmd/bench's c16
	b.ReportAllocs()
	b.ResetTimer()
	m := cpubench.Start()
	b.RunParallel(func(pb *testing.PB) {
		w := &discardWriter{header: http.Header{}}
		for pb.Next() {
			req := httptest.NewRequest(http.MethodPost, "/ingest", bytes.NewReader(bc.body))
			clear(w.header)
			w.status = 0
			h.ServeHTTP(w, req)
			if w.status != http.StatusOK {
				b.Errorf("status %d", w.status)
				return
			}
		}
	})
	m.Report(b, b.N*bc.entries)
}

// benchReceiver runs a receiver with the collector's default telemetry
// (service::telemetry): internal traces off, otelhttp's metrics dropped
// below level detailed, the receiver's own metrics recorded.
func benchReceiver(b *testing.B, wal bool) *higressReceiver {
	set := componenttest.NewNopTelemetrySettings()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()),
		sdkmetric.WithView(sdkmetric.NewView(sdkmetric.Instrument{Scope: instrumentation.Scope{Name: otelhttp.ScopeName}},
			sdkmetric.Stream{Aggregation: sdkmetric.AggregationDrop{}})))
	b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	set.MeterProvider = mp
	set.TracerProvider = tracenoop.NewTracerProvider()
	return benchReceiverWith(b, wal, set)
}

func benchReceiverWith(b *testing.B, wal bool, tel component.TelemetrySettings) *higressReceiver {
	cfg := createDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = "127.0.0.1:0"
	var host component.Host = componenttest.NewNopHost()
	if wal {
		id := walStorageID
		cfg.WAL.Storage = &id
		host = extHost{Host: host, exts: map[component.ID]component.Component{id: benchStorageExtension(b)}}
	}
	set := receivertest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tel
	r, err := newReceiver(set, cfg, consumertest.NewNop())
	require.NoError(b, err)
	require.NoError(b, r.Start(context.Background(), host))
	b.Cleanup(func() { require.NoError(b, r.Shutdown(context.Background())) })
	return r
}

// discardWriter is the least a ResponseWriter can cost, so that the
// benchmark measures the server.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header { return w.header }

func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}

func (w *discardWriter) WriteHeader(status int) { w.status = status }

// BenchmarkWALReplay is the way out of the log for bodies that are not
// kept decoded in memory: read back from file_storage and decoded again
// (walLogs), 100 entries per op either way.
func BenchmarkWALReplay(b *testing.B) {
	for _, bc := range benchBodies(b) {
		b.Run(bc.name, func(b *testing.B) {
			r, err := newReceiver(receivertest.NewNopSettings(metadata.Type), createDefaultConfig().(*Config), consumertest.NewNop())
			require.NoError(b, err)
			j, err := journal.Open[plog.Logs](context.Background(), benchStorage(b), journal.Config{MaxBytes: 1 << 30})
			require.NoError(b, err)
			defer j.Close()
			bodies := 100 / bc.entries
			for range bodies {
				rec := append(make([]byte, walHeaderSize), bc.body...)
				sealRecord(rec, newArrival(time.Now()))
				require.NoError(b, j.Append(context.Background(), rec, plog.Logs{}))
			}
			entries, err := j.Take(context.Background(), journal.Batch{MaxEntries: bodies, MaxBytes: 1 << 30})
			require.NoError(b, err)
			require.Len(b, entries, bodies)
			b.SetBytes(int64(bodies * len(bc.body)))
			b.ReportAllocs()
			b.ResetTimer()
			m := cpubench.Start()
			for b.Loop() {
				ld, ok := r.walLogs(context.Background(), j, entries)
				if !ok || ld.LogRecordCount() != 100 {
					b.Fatal("replay lost records")
				}
			}
			m.Report(b, b.N*100)
		})
	}
}

// benchStorage is a file_storage client with fsync, as the log runs on.
func benchStorage(b *testing.B) storage.Client {
	ext := benchStorageExtension(b)
	client, err := ext.(storage.Extension).GetClient(context.Background(), component.KindReceiver, component.NewID(metadata.Type), "")
	require.NoError(b, err)
	b.Cleanup(func() { _ = client.Close(context.Background()) })
	return client
}

func benchStorageExtension(b *testing.B) component.Component {
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = b.TempDir()
	cfg.FSync = true
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(b, err)
	require.NoError(b, ext.Start(context.Background(), componenttest.NewNopHost()))
	b.Cleanup(func() { _ = ext.Shutdown(context.Background()) })
	return ext
}

// BenchmarkValidateScan is what answering a POST would cost if the log
// kept only bodies and decoded them on the way out: one pass of the same
// strict decoder that checks the JSON and counts the objects, without
// building records. The full decode would still be paid by the feeders.
func BenchmarkValidateScan(b *testing.B) {
	for _, bc := range benchBodies(b) {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.body)))
			b.ReportAllocs()
			m := cpubench.Start()
			for b.Loop() {
				if n, err := countObjects(bc.body); err != nil || n != bc.entries {
					b.Fatal(n, err)
				}
			}
			m.Report(b, b.N*bc.entries)
		})
	}
}

// countObjects counts the objects of one object, an array of objects or
// concatenated objects.
func countObjects(body []byte) (int, error) {
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	array := dec.PeekKind() == '['
	if array {
		if _, err := dec.ReadToken(); err != nil {
			return 0, err
		}
	}
	n := 0
	for dec.PeekKind() == '{' {
		if err := dec.SkipValue(); err != nil {
			return n, err
		}
		n++
	}
	if array {
		_, err := dec.ReadToken()
		return n, err
	}
	return n, nil
}
