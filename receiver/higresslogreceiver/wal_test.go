package higresslogreceiver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
	"github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver/internal/metadata"
)

var walStorageID = component.MustNewIDWithName("file_storage", "wal")

// walRun is one receiver with a write-ahead log in a real file_storage
// extension (fsync on) over dir.
type walRun struct {
	r   *higressReceiver
	url string
	tel *componenttest.Telemetry
	ext component.Component
}

func startWAL(t testing.TB, dir string, tweak func(*Config), next consumer.Logs) *walRun {
	t.Helper()
	f := filestorage.NewFactory()
	scfg := f.CreateDefaultConfig().(*filestorage.Config)
	scfg.Directory = dir
	scfg.FSync = true
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), scfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))

	cfg := createDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = "127.0.0.1:0"
	id := walStorageID
	cfg.WAL.Storage = &id
	cfg.WAL.DrainTimeout = 5 * time.Second
	if tweak != nil {
		tweak(cfg)
	}
	require.NoError(t, cfg.Validate())
	tel := componenttest.NewTelemetry()
	set := receivertest.NewNopSettings(metadata.Type)
	set.ID = component.NewID(metadata.Type) // the log's file is named after it: the same across restarts
	set.TelemetrySettings = tel.NewTelemetrySettings()
	r, err := newReceiver(set, cfg, next)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), extHost{Host: componenttest.NewNopHost(),
		exts: map[component.ID]component.Component{walStorageID: ext}}))
	w := &walRun{r: r, url: "http://" + r.addr.String() + "/ingest", tel: tel, ext: ext}
	t.Cleanup(func() { w.stop(t) })
	return w
}

// stop shuts the receiver and then its storage down (once).
func (w *walRun) stop(t testing.TB) {
	t.Helper()
	if w.r == nil {
		return
	}
	assert.NoError(t, w.r.Shutdown(context.Background()))
	assert.NoError(t, w.ext.Shutdown(context.Background()))
	_ = w.tel.Shutdown(context.Background())
	w.r = nil
}

func walEntry(id string) string {
	return fmt.Sprintf(`{"request_id":%q,"method":"POST","path":"/v1/chat/completions","response_code":200,"model":"qwen-max"}`, id)
}

// uidsOf maps each record's uid to its request_id.
func uidsOf(t *testing.T, lds ...plog.Logs) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, ld := range lds {
		for _, lr := range records(ld) {
			uid := attr(t, lr, accesslog.AttrRecordUID).Str()
			out[uid] = attr(t, lr, accesslog.AttrRequestID).Str()
		}
	}
	return out
}

func TestWALAcknowledgesAndFeedsThePipeline(t *testing.T) {
	sink := new(consumertest.LogsSink)
	w := startWAL(t, t.TempDir(), nil, sink)

	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			resp, a := post(t, w.url, walEntry(fmt.Sprint("single-", i)))
			assert.Equal(t, http.StatusOK, resp.StatusCode, "%+v", a)
			assert.Equal(t, 1, a.Accepted)
		})
	}
	wg.Wait()
	resp, a := post(t, w.url, "["+walEntry("arr-1")+","+walEntry("arr-2")+"]")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, 2, a.Accepted)

	require.Eventually(t, func() bool { return sink.LogRecordCount() == 42 }, time.Minute, 10*time.Millisecond)
	assert.Len(t, uidsOf(t, sink.AllLogs()...), 42, "every record has its own uid")
	require.Eventually(t, func() bool { n, _ := w.r.wal.journal.Len(); return n == 0 }, time.Minute, 10*time.Millisecond,
		"bodies leave the log once written")
	assert.Zero(t, sumMetric(t, w.tel, "otelcol_receiver_higresslog_wal_bodies"))
	assert.Zero(t, sumMetric(t, w.tel, "otelcol_receiver_higresslog_wal_size"))
}

// What a run could not hand over stays on disk and is handed over after
// the restart as exactly the records the first run decoded, uids included,
// so the exporter's unique key absorbs any that were written.
func TestWALReplaysTheSameRecordsAfterRestart(t *testing.T) {
	dir := t.TempDir()
	var mu sync.Mutex
	offered := map[string]plog.Logs{}
	down := consumerFunc(func(_ context.Context, ld plog.Logs) error {
		mu.Lock()
		defer mu.Unlock()
		for _, lr := range records(ld) {
			one := plog.NewLogs()
			lr.CopyTo(one.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty())
			offered[attr(t, lr, accesslog.AttrRecordUID).Str()] = one
		}
		return errors.New("database down")
	})
	first := startWAL(t, dir, func(c *Config) { c.WAL.DrainTimeout = 50 * time.Millisecond }, down)
	for i := range 5 {
		resp, _ := post(t, first.url, "["+walEntry(fmt.Sprint("a", i))+","+walEntry(fmt.Sprint("b", i))+"]")
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	// Feeders hold what they took while the pipeline refuses, so not every
	// body is offered; those that were must come back the same.
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(offered) >= 2 }, time.Minute, 10*time.Millisecond)
	first.stop(t)

	sink := new(consumertest.LogsSink)
	second := startWAL(t, dir, nil, sink)
	require.Eventually(t, func() bool { return sink.LogRecordCount() == 10 }, time.Minute, 10*time.Millisecond, "got %d", sink.LogRecordCount())
	mu.Lock()
	defer mu.Unlock()
	compared := 0
	for _, ld := range sink.AllLogs() {
		for _, lr := range records(ld) {
			uid := attr(t, lr, accesslog.AttrRecordUID).Str()
			before, ok := offered[uid]
			if !ok {
				continue
			}
			compared++
			was := records(before)[0]
			assert.Equal(t, was.Attributes().AsRaw(), lr.Attributes().AsRaw())
			assert.Equal(t, was.Timestamp(), lr.Timestamp())
			assert.Equal(t, was.ObservedTimestamp(), lr.ObservedTimestamp())
			assert.Equal(t, was.Body().AsRaw(), lr.Body().AsRaw())
		}
	}
	assert.Equal(t, len(offered), compared, "every record offered before the restart is handed over again, with its uid")
	assert.Len(t, uidsOf(t, sink.AllLogs()...), 10)
	assert.Equal(t, int64(5), sumMetric(t, second.tel, "otelcol_receiver_higresslog_wal_read_back"))
}

func TestWALFullAnswers503(t *testing.T) {
	block := consumerFunc(func(ctx context.Context, _ plog.Logs) error {
		<-ctx.Done()
		return ctx.Err()
	})
	body := walEntry(strings.Repeat("x", 600))
	w := startWAL(t, t.TempDir(), func(c *Config) {
		c.WAL.QueueSize = int64(len(body) + walHeaderSize)
		c.WAL.MemorySize = c.WAL.QueueSize
		c.WAL.DrainTimeout = 0
	}, block)
	resp, _ := post(t, w.url, body)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, a := post(t, w.url, body)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, retryAfterSeconds, resp.Header.Get("Retry-After"))
	assert.Contains(t, a.Error, "write-ahead log full")
	assert.Equal(t, 1, a.Rejected)
}

func TestWALReadsBackBeyondMemorySize(t *testing.T) {
	sink := new(consumertest.LogsSink)
	w := startWAL(t, t.TempDir(), func(c *Config) { c.WAL.MemorySize = 0 }, sink)
	for i := range 3 {
		resp, _ := post(t, w.url, walEntry(fmt.Sprint("r", i)))
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	require.Eventually(t, func() bool { return sink.LogRecordCount() == 3 }, time.Minute, 10*time.Millisecond)
	assert.Equal(t, int64(3), sumMetric(t, w.tel, "otelcol_receiver_higresslog_wal_read_back"))
	assert.ElementsMatch(t, []string{"r0", "r1", "r2"}, values(uidsOf(t, sink.AllLogs()...)))
}

func TestWALSkipsRecordsThatDoNotDecode(t *testing.T) {
	dir := t.TempDir()
	// A log left by an earlier run: a record of an unknown version, a
	// record cut short, and one good record.
	good := make([]byte, walHeaderSize, walHeaderSize+100)
	good = append(good, walEntry("good")...)
	sealRecord(good, newArrival(testNow))
	seed := startWAL(t, dir, nil, new(consumertest.LogsSink))
	client := seed.r.wal.client
	require.NoError(t, client.Batch(context.Background(),
		storage.SetOperation("rec-00000000000000f0", []byte{9, 1, 2, 3}),
		storage.SetOperation("rec-00000000000000f1", good[:walHeaderSize-3]),
		storage.SetOperation("rec-00000000000000f2", good)))
	seed.stop(t)

	sink := new(consumertest.LogsSink)
	w := startWAL(t, dir, nil, sink)
	require.Eventually(t, func() bool { n, _ := w.r.wal.journal.Len(); return n == 0 }, time.Minute, 10*time.Millisecond)
	assert.Equal(t, []string{"good"}, values(uidsOf(t, sink.AllLogs()...)))
	assert.Equal(t, int64(2), sumMetric(t, w.tel, "otelcol_receiver_higresslog_wal_corrupt"))
}

func TestWALDropsWhatThePipelineRefusesPermanently(t *testing.T) {
	refuse := consumerFunc(func(context.Context, plog.Logs) error {
		return consumererror.NewPermanent(errors.New("unwritable"))
	})
	w := startWAL(t, t.TempDir(), nil, refuse)
	resp, _ := post(t, w.url, "["+walEntry("p1")+","+walEntry("p2")+"]")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Eventually(t, func() bool { n, _ := w.r.wal.journal.Len(); return n == 0 }, time.Minute, 10*time.Millisecond)
	assert.Equal(t, int64(2), sumMetric(t, w.tel, "otelcol_receiver_higresslog_wal_dropped_records"))
}

// A refusal is retried with the records the pipeline did not take.
func TestWALRetriesOnlyWhatWasNotTaken(t *testing.T) {
	var mu sync.Mutex
	var calls []int
	sink := new(consumertest.LogsSink)
	partial := consumerFunc(func(ctx context.Context, ld plog.Logs) error {
		mu.Lock()
		calls = append(calls, ld.LogRecordCount())
		first := len(calls) == 1
		mu.Unlock()
		if !first {
			return sink.ConsumeLogs(ctx, ld)
		}
		rest := plog.NewLogs()
		recs := records(ld)
		recs[len(recs)-1].CopyTo(rest.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty())
		// Pretend all but the last were written.
		taken := plog.NewLogs()
		for _, lr := range recs[:len(recs)-1] {
			lr.CopyTo(taken.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty())
		}
		require.NoError(t, sink.ConsumeLogs(ctx, taken))
		return consumererror.NewLogs(errors.New("one row failed"), rest)
	})
	w := startWAL(t, t.TempDir(), nil, partial)
	resp, _ := post(t, w.url, "["+walEntry("x1")+","+walEntry("x2")+","+walEntry("x3")+"]")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Eventually(t, func() bool { n, _ := w.r.wal.journal.Len(); return n == 0 }, time.Minute, 10*time.Millisecond)
	assert.ElementsMatch(t, []string{"x1", "x2", "x3"}, values(uidsOf(t, sink.AllLogs()...)))
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, []int{3, 1}, calls)
}

func TestWALShutdownDrainsTheLog(t *testing.T) {
	sink := new(consumertest.LogsSink)
	slow := consumerFunc(func(ctx context.Context, ld plog.Logs) error {
		time.Sleep(30 * time.Millisecond)
		return sink.ConsumeLogs(ctx, ld)
	})
	w := startWAL(t, t.TempDir(), func(c *Config) { c.WAL.NumConsumers = 1; c.WAL.Batch.MinSize = 0; c.WAL.Batch.MaxSize = 1 }, slow)
	for i := range 10 {
		resp, _ := post(t, w.url, walEntry(fmt.Sprint("d", i)))
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	w.stop(t)
	assert.Equal(t, 10, sink.LogRecordCount(), "Shutdown returns once the log is written")
}

func TestRecordUIDs(t *testing.T) {
	a := newArrival(testNow)
	seen := map[string]bool{}
	for i := range 1000 {
		s := a.recordUID(i)
		id, err := uuid.Parse(s)
		require.NoError(t, err)
		assert.Equal(t, uuid.Version(7), id.Version())
		assert.Equal(t, uuid.RFC4122, id.Variant())
		sec, nsec := id.Time().UnixTime()
		assert.Equal(t, testNow.UnixMilli(), time.Unix(sec, nsec).UnixMilli())
		assert.False(t, seen[s], "uid %d repeats", i)
		seen[s] = true
		assert.Equal(t, s, a.recordUID(i), "the same arrival gives the same uid")
	}
	assert.NotEqual(t, a.recordUID(0), newArrival(testNow).recordUID(0), "bodies received together differ")
}

func values(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// A log file the storage cannot open does not keep the receiver from
// starting (a crash loop): it is left for recovery, bodies go to a second
// log, and the next start replays that one.
func TestWALUnopenableFileFallsBack(t *testing.T) {
	dir := t.TempDir()
	first := startWAL(t, dir, nil, new(consumertest.LogsSink))
	first.stop(t)
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	require.NoError(t, err)
	require.Len(t, files, 1)
	damaged := bytes.Repeat([]byte{0xde, 0xad}, 8192)
	require.NoError(t, os.WriteFile(files[0], damaged, 0o600))

	down := consumerFunc(func(context.Context, plog.Logs) error { return errors.New("database down") })
	second := startWAL(t, dir, func(c *Config) { c.WAL.DrainTimeout = 0 }, down)
	assert.Equal(t, int64(1), sumMetric(t, second.tel, "otelcol_receiver_higresslog_wal_corrupt"))
	resp, _ := post(t, second.url, walEntry("after-damage"))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	second.stop(t)
	kept, err := os.ReadFile(files[0])
	require.NoError(t, err)
	assert.Equal(t, damaged, kept, "the damaged file is left as it was")

	sink := new(consumertest.LogsSink)
	startWAL(t, dir, nil, sink)
	require.Eventually(t, func() bool { return sink.LogRecordCount() == 1 }, time.Minute, 10*time.Millisecond,
		"the body acknowledged into the second log is written after the restart")
	assert.Equal(t, []string{"after-damage"}, values(uidsOf(t, sink.AllLogs()...)))
}
