package journal

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// countingClient counts the transactions a real file_storage client runs.
type countingClient struct {
	storage.Client
	batches atomic.Int64
}

func (c *countingClient) Batch(ctx context.Context, ops ...*storage.Operation) error {
	c.batches.Add(1)
	return c.Client.Batch(ctx, ops...)
}

func (c *countingClient) Walk(ctx context.Context, fn storage.WalkFunc) error {
	return c.Client.(storage.Walker).Walk(ctx, fn)
}

// openStorage starts a file_storage extension (fsync on) in dir and returns
// a client for one component; closing it is the caller's job.
func openStorage(t *testing.T, dir string) *countingClient {
	t.Helper()
	f := filestorage.NewFactory()
	cfg := f.CreateDefaultConfig().(*filestorage.Config)
	cfg.Directory = dir
	cfg.FSync = true
	ext, err := f.Create(context.Background(), extensiontest.NewNopSettings(f.Type()), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { _ = ext.Shutdown(context.Background()) })
	client, err := ext.(storage.Extension).GetClient(context.Background(), component.KindReceiver,
		component.MustNewID("higresslog"), "")
	require.NoError(t, err)
	return &countingClient{Client: client}
}

func open(t *testing.T, client storage.Client, cfg Config) *Journal[string] {
	t.Helper()
	j, err := Open[string](context.Background(), client, cfg)
	require.NoError(t, err)
	return j
}

var roomy = Config{MaxBytes: 1 << 30, MemoryBytes: 1 << 30}

func TestConcurrentAppendsShareTransactions(t *testing.T) {
	client := openStorage(t, t.TempDir())
	j := open(t, client, roomy)
	defer j.Close()

	const senders, each = 32, 50
	var wg sync.WaitGroup
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				v := fmt.Sprintf("s%d-%d", s, i)
				assert.NoError(t, j.Append(context.Background(), []byte(v), v))
			}
		}()
	}
	wg.Wait()
	writes := client.batches.Load()
	assert.Less(t, writes, int64(senders*each/2), "concurrent appends must share transactions")

	seen := map[string]int{}
	for len(seen) < senders*each {
		got, err := j.Take(context.Background(), Batch{MaxEntries: 100, MaxBytes: 1 << 20})
		require.NoError(t, err)
		for _, e := range got {
			require.True(t, e.Cached)
			seen[e.Value]++
		}
		j.Remove(got)
	}
	for v, n := range seen {
		assert.Equal(t, 1, n, v)
	}
	n, bytes := j.Len()
	assert.Zero(t, n)
	assert.Zero(t, bytes)
}

func TestReopenHandsBackWhatWasNotRemoved(t *testing.T) {
	dir := t.TempDir()
	client := openStorage(t, dir)
	j := open(t, client, roomy)
	for i := range 10 {
		require.NoError(t, j.Append(context.Background(), []byte(fmt.Sprint(i)), fmt.Sprint(i)))
	}
	first, err := j.Take(context.Background(), Batch{MaxEntries: 4, MaxBytes: 1 << 20})
	require.NoError(t, err)
	require.Len(t, first, 4)
	j.Remove(first[:2]) // 0 and 1 are done
	j.Close()

	again := open(t, client, roomy)
	defer again.Close()
	n, bytes := again.Len()
	assert.Equal(t, 8, n)
	assert.Equal(t, int64(8), bytes)
	got, err := again.Take(context.Background(), Batch{MaxEntries: 100, MaxBytes: 1 << 20})
	require.NoError(t, err)
	data, err := again.Read(context.Background(), got)
	require.NoError(t, err)
	var values []string
	for i, e := range got {
		assert.False(t, e.Cached, "a reopened record is read back, not cached")
		values = append(values, string(data[i]))
	}
	assert.Equal(t, []string{"2", "3", "4", "5", "6", "7", "8", "9"}, values)

	// New appends continue the sequence after the reopened records.
	require.NoError(t, again.Append(context.Background(), []byte("10"), "10"))
	next, err := again.Take(context.Background(), Batch{MaxEntries: 100, MaxBytes: 1 << 20})
	require.NoError(t, err)
	require.Len(t, next, 1)
	assert.Greater(t, next[0].Seq, got[len(got)-1].Seq)
}

func TestFullUntilRemoved(t *testing.T) {
	j := open(t, openStorage(t, t.TempDir()), Config{MaxBytes: 10, MemoryBytes: 10})
	defer j.Close()
	require.NoError(t, j.Append(context.Background(), []byte("12345678"), "a"))
	assert.ErrorIs(t, j.Append(context.Background(), []byte("123"), "b"), ErrFull)
	got, err := j.Take(context.Background(), Batch{MaxEntries: 10, MaxBytes: 100})
	require.NoError(t, err)
	assert.ErrorIs(t, j.Append(context.Background(), []byte("123"), "b"), ErrFull, "taken is still stored")
	j.Remove(got)
	assert.NoError(t, j.Append(context.Background(), []byte("123"), "b"))
}

func TestMemoryBudgetLeavesTheRestOnDisk(t *testing.T) {
	j := open(t, openStorage(t, t.TempDir()), Config{MaxBytes: 1 << 20, MemoryBytes: 10})
	defer j.Close()
	for _, v := range []string{"aaaa", "bbbb", "cccc"} {
		require.NoError(t, j.Append(context.Background(), []byte(v), v))
	}
	got, err := j.Take(context.Background(), Batch{MaxEntries: 10, MaxBytes: 100})
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.True(t, got[0].Cached)
	assert.True(t, got[1].Cached)
	assert.False(t, got[2].Cached)
	assert.Empty(t, got[2].Value)
	data, err := j.Read(context.Background(), got[2:])
	require.NoError(t, err)
	assert.Equal(t, "cccc", string(data[0]))
	j.Remove(got)
	// The budget is free again.
	require.NoError(t, j.Append(context.Background(), []byte("dddd"), "dddd"))
	got, err = j.Take(context.Background(), Batch{MaxEntries: 10, MaxBytes: 100})
	require.NoError(t, err)
	assert.True(t, got[0].Cached)
}

func TestTakeRespectsLimitsAndWaits(t *testing.T) {
	j := open(t, openStorage(t, t.TempDir()), roomy)
	defer j.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := j.Take(ctx, Batch{MaxEntries: 10, MaxBytes: 100})
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	for _, v := range []string{"aa", "bb", "cc", "dd"} {
		require.NoError(t, j.Append(context.Background(), []byte(v), v))
	}
	got, err := j.Take(context.Background(), Batch{MaxEntries: 10, MaxBytes: 5})
	require.NoError(t, err)
	assert.Len(t, got, 2, "bytes limit")
	got, err = j.Take(context.Background(), Batch{MaxEntries: 1, MaxBytes: 100})
	require.NoError(t, err)
	assert.Len(t, got, 1, "entries limit")
	assert.Equal(t, "cc", got[0].Value)
}

func TestCloseWakesTakers(t *testing.T) {
	j := open(t, openStorage(t, t.TempDir()), roomy)
	errc := make(chan error, 1)
	go func() {
		_, err := j.Take(context.Background(), Batch{MaxEntries: 1, MaxBytes: 1})
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	j.Close()
	assert.ErrorIs(t, <-errc, ErrClosed)
	assert.ErrorIs(t, j.Append(context.Background(), []byte("x"), "x"), ErrClosed)
}

func TestStorageErrorFailsTheGroup(t *testing.T) {
	client := openStorage(t, t.TempDir())
	j := open(t, client, roomy)
	defer j.Close()
	require.NoError(t, client.Close(context.Background()))
	err := j.Append(context.Background(), []byte("x"), "x")
	require.Error(t, err)
	assert.False(t, errors.Is(err, ErrFull))
	n, bytes := j.Len()
	assert.Zero(t, n)
	assert.Zero(t, bytes, "a failed write gives its bytes back")
}

func TestRemovalsRideWithAppends(t *testing.T) {
	client := openStorage(t, t.TempDir())
	j := open(t, client, roomy)
	defer j.Close()
	require.NoError(t, j.Append(context.Background(), []byte("a"), "a"))
	got, err := j.Take(context.Background(), Batch{MaxEntries: 10, MaxBytes: 100})
	require.NoError(t, err)
	before := client.batches.Load()
	j.Remove(got)
	require.NoError(t, j.Append(context.Background(), []byte("b"), "b"))
	assert.Equal(t, before+1, client.batches.Load(), "the delete went with the append's transaction")
	v, err := client.Get(context.Background(), key(got[0].Seq))
	require.NoError(t, err)
	assert.Nil(t, v, "removed")
}

func TestRemovalsAloneAreWrittenSoon(t *testing.T) {
	client := openStorage(t, t.TempDir())
	j := open(t, client, roomy)
	defer j.Close()
	require.NoError(t, j.Append(context.Background(), []byte("a"), "a"))
	got, err := j.Take(context.Background(), Batch{MaxEntries: 10, MaxBytes: 100})
	require.NoError(t, err)
	j.Remove(got)
	assert.Eventually(t, func() bool {
		v, err := client.Get(context.Background(), key(got[0].Seq))
		return err == nil && v == nil
	}, time.Minute, 10*time.Millisecond)
}

func TestTakeWaitsForMinBytesUpToMaxWait(t *testing.T) {
	j := open(t, openStorage(t, t.TempDir()), roomy)
	defer j.Close()
	b := Batch{MaxEntries: 100, MinBytes: 6, MaxBytes: 100, MaxWait: 300 * time.Millisecond}
	require.NoError(t, j.Append(context.Background(), []byte("aa"), "aa"))
	go func() {
		time.Sleep(50 * time.Millisecond)
		_ = j.Append(context.Background(), []byte("bb"), "bb")
		_ = j.Append(context.Background(), []byte("cc"), "cc")
	}()
	got, err := j.Take(context.Background(), b)
	require.NoError(t, err)
	assert.Len(t, got, 3, "waited until MinBytes were ready")

	require.NoError(t, j.Append(context.Background(), []byte("dd"), "dd"))
	began := time.Now()
	got, err = j.Take(context.Background(), b)
	require.NoError(t, err)
	assert.Len(t, got, 1, "MaxWait passed with less than MinBytes ready")
	assert.GreaterOrEqual(t, time.Since(began), 200*time.Millisecond)
}

// TestCommitLingerGathersSpacedAppends: appends a few milliseconds apart,
// each alone in its own transaction without a linger, share one with it.
func TestCommitLingerGathersSpacedAppends(t *testing.T) {
	for _, tc := range []struct {
		linger time.Duration
		want   func(batches int64) bool
	}{
		{0, func(b int64) bool { return b == 5 }},
		{time.Second, func(b int64) bool { return b == 1 }},
	} {
		t.Run(tc.linger.String(), func(t *testing.T) {
			client := openStorage(t, t.TempDir())
			j := open(t, client, Config{MaxBytes: 1 << 30, MemoryBytes: 1 << 30, CommitLinger: tc.linger})
			defer j.Close()
			var wg sync.WaitGroup
			for i := range 5 {
				if tc.linger == 0 {
					// Each append waits for the previous one's commit.
					wg.Wait()
				}
				wg.Go(func() {
					assert.NoError(t, j.Append(context.Background(), []byte(fmt.Sprint(i)), fmt.Sprint(i)))
				})
				time.Sleep(5 * time.Millisecond)
			}
			wg.Wait()
			n, _ := j.Len()
			assert.Equal(t, 5, n)
			assert.True(t, tc.want(client.batches.Load()), "transactions: %d", client.batches.Load())
		})
	}
}

// TestCloseEndsCommitLinger: Close does not wait out a linger, and the
// group that was lingering is written, not failed.
func TestCloseEndsCommitLinger(t *testing.T) {
	dir := t.TempDir()
	client := openStorage(t, dir)
	j := open(t, client, Config{MaxBytes: 1 << 30, MemoryBytes: 1 << 30, CommitLinger: time.Hour})
	appended := make(chan error, 1)
	go func() { appended <- j.Append(context.Background(), []byte("x"), "x") }()
	require.Eventually(t, func() bool {
		j.mu.Lock()
		defer j.mu.Unlock()
		return j.gathering != nil
	}, time.Minute, time.Millisecond)
	closed := make(chan struct{})
	go func() { j.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close waited for the linger")
	}
	require.NoError(t, <-appended, "the lingering group is written on close")

	again := open(t, client, roomy)
	defer again.Close()
	n, _ := again.Len()
	assert.Equal(t, 1, n)
}

func TestWaitEmptyReturnsWhenTheLastRecordIsRemoved(t *testing.T) {
	j := open(t, openStorage(t, t.TempDir()), roomy)
	defer j.Close()
	assert.True(t, j.WaitEmpty(context.Background()), "an empty journal is empty at once")
	require.NoError(t, j.Append(context.Background(), []byte("a"), "a"))
	require.NoError(t, j.Append(context.Background(), []byte("b"), "b"))

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	assert.False(t, j.WaitEmpty(ctx), "records still held: the wait ends with ctx")

	done := make(chan bool, 1)
	go func() { done <- j.WaitEmpty(context.Background()) }()
	first, err := j.Take(context.Background(), Batch{MaxEntries: 1, MaxBytes: 1 << 20})
	require.NoError(t, err)
	j.Remove(first)
	select {
	case <-done:
		t.Fatal("WaitEmpty returned while a record was still held")
	case <-time.After(20 * time.Millisecond):
	}
	rest, err := j.Take(context.Background(), Batch{MaxEntries: 1, MaxBytes: 1 << 20})
	require.NoError(t, err)
	j.Remove(rest)
	assert.True(t, <-done)
}
