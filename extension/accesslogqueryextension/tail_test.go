package accesslogqueryextension

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sseEvent is one event or comment read from /tail.
type sseEvent struct {
	id      string
	data    map[string]any
	comment string
}

type tailClient struct {
	events chan sseEvent
	cancel context.CancelFunc
	done   chan struct{}
}

// openTail connects to /tail and parses the stream until closed. It returns
// once the server has sent its first comment (the tail is running).
func openTail(t *testing.T, url, lastEventID string) *tailClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(t, err)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/event-stream; charset=utf-8", resp.Header.Get("Content-Type"))
	c := &tailClient{events: make(chan sseEvent, 1000), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				c.events <- ev
				ev = sseEvent{}
			case strings.HasPrefix(line, ":"):
				ev.comment = strings.TrimSpace(line[1:])
			case strings.HasPrefix(line, "id: "):
				ev.id = line[4:]
			case strings.HasPrefix(line, "data: "):
				_ = json.Unmarshal([]byte(line[6:]), &ev.data)
			}
		}
	}()
	t.Cleanup(c.close)
	first := c.next(t, eventWait)
	require.Contains(t, first.comment, "tailing after id")
	return c
}

func (c *tailClient) close() {
	c.cancel()
	<-c.done
}

func (c *tailClient) next(t *testing.T, within time.Duration) sseEvent {
	t.Helper()
	select {
	case ev := <-c.events:
		return ev
	case <-time.After(within):
		t.Fatalf("no event within %s", within)
		return sseEvent{}
	}
}

// nextRow skips comments (heartbeats) and returns the next row event.
func (c *tailClient) nextRow(t *testing.T, within time.Duration) sseEvent {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ev := c.next(t, time.Until(deadline))
		if ev.data != nil {
			return ev
		}
	}
}

// noRow fails when a row event arrives within d.
func (c *tailClient) noRow(t *testing.T, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev := <-c.events:
			require.Nil(t, ev.data, "unexpected row %v", ev.data)
		case <-deadline:
			return
		}
	}
}

// eventWait bounds the wait for an event that must come. Only a lost event
// reaches it: how fast events come is no test's business (a shared 2-core
// CI machine under load takes seconds at times).
const eventWait = time.Minute

var seq atomic.Int64

// insertRow commits one row through db, as another writer (another
// collector replica) would.
func insertRow(t *testing.T, db interface {
	Exec(string, ...any) (sql.Result, error)
}, tg *target, model string) string {
	t.Helper()
	rid := fmt.Sprintf("tail-%d", seq.Add(1))
	_, err := db.Exec("INSERT INTO "+tg.table("access_logs")+" (start_time, request_id, method, path, response_code, model) VALUES (?, ?, 'POST', '/v1/chat/completions', 200, ?)",
		time.Now().UTC(), rid, model)
	require.NoError(t, err)
	return rid
}

// TestTailDeliversCommittedRows: rows committed by another writer arrive,
// filtered; after a disconnect, Last-Event-ID resumes without
// a gap or a repeat.
func TestTailDeliversCommittedRows(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		w := startWriter(t, tg, "access_logs")
		w.post(t, fixture()[:2]...)
		e := startQuery(t, testConfig(tg, "access_logs"), nil)
		tailURL := e.url(pathTail + "?model=qwen-max")
		c := openTail(t, tailURL, "")

		var lastID string
		for i := range 4 {
			insertRow(t, tg.admin, tg, "gpt-4o") // filtered out
			rid := insertRow(t, tg.admin, tg, "qwen-max")
			ev := c.nextRow(t, eventWait)
			assert.Equal(t, rid, ev.data["request_id"], "row %d", i)
			pos, err := parseCoverage(ev.id)
			require.NoError(t, err)
			assert.Equal(t, fmt.Sprint(pos.top), fmt.Sprint(ev.data[idCol]), "the position is the newest row sent")
			lastID = ev.id
		}
		// The collector's own pipeline is another writer too.
		w.post(t, map[string]any{"start_time": time.Now().UTC().Format(time.RFC3339), "request_id": "via-pipeline",
			"model": "qwen-max", "method": "POST", "path": "/v1/chat/completions", "response_code": 200})
		ev := c.nextRow(t, eventWait)
		assert.Equal(t, "via-pipeline", ev.data["request_id"])
		lastID = ev.id
		c.close()

		var missed []string
		for range 5 {
			missed = append(missed, insertRow(t, tg.admin, tg, "qwen-max"))
			insertRow(t, tg.admin, tg, "deepseek-r1")
		}
		c = openTail(t, tailURL, lastID)
		for i, rid := range missed {
			ev := c.nextRow(t, eventWait)
			assert.Equal(t, rid, ev.data["request_id"], "resumed row %d in order", i)
		}
		c.noRow(t, 300*time.Millisecond)
		rid := insertRow(t, tg.admin, tg, "qwen-max")
		assert.Equal(t, rid, c.nextRow(t, eventWait).data["request_id"], "live again after the resume")
	})
}

// TestTailDeliversLateCommits: a row whose id was handed out before a
// newer row's but committed after it is delivered when it commits, after
// the newer one, once; an id burnt by a rollback delays nothing.
func TestTailDeliversLateCommits(t *testing.T) {
	tg := mariaTarget(t)
	w := startWriter(t, tg, "access_logs")
	w.post(t, fixture()[:1]...)
	e := startQuery(t, testConfig(tg, "access_logs"), nil)
	c := openTail(t, e.url(pathTail), "")

	slow, err := tg.admin.Begin()
	require.NoError(t, err)
	first := insertRow(t, slow, tg, "slow")
	second := insertRow(t, tg.admin, tg, "fast")
	assert.Equal(t, second, c.nextRow(t, eventWait).data["request_id"], "the committed row at once")
	require.NoError(t, slow.Commit())
	assert.Equal(t, first, c.nextRow(t, eventWait).data["request_id"], "the earlier id once it commits")

	burnt, err := tg.admin.Begin()
	require.NoError(t, err)
	insertRow(t, burnt, tg, "rolled-back")
	require.NoError(t, burnt.Rollback())
	after := insertRow(t, tg.admin, tg, "after-hole")
	assert.Equal(t, after, c.nextRow(t, eventWait).data["request_id"], "a burnt id holds nothing back")
	c.noRow(t, 300*time.Millisecond)
}

// TestTailOutOfOrderIDs: ids that do not grow in commit order (several
// TiDB servers each handing out their own range, AUTO_RANDOM, a writer
// choosing ids): rows are inserted with ids in an order unrelated to
// their values, some far below ids already sent; every row arrives
// exactly once, also across a reconnect with Last-Event-ID.
func TestTailOutOfOrderIDs(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		w := startWriter(t, tg, "access_logs")
		w.post(t, fixture()[:3]...)
		var base int64
		require.NoError(t, tg.admin.QueryRow("SELECT MAX(id) FROM "+tg.table("access_logs")).Scan(&base))
		e := startQuery(t, testConfig(tg, "access_logs"), nil)
		tailURL := e.url(pathTail + "?model=ooo")
		c := openTail(t, tailURL, "")

		insertAt := func(offset int64, model string) string {
			rid := fmt.Sprintf("ooo-%d", offset)
			_, err := tg.admin.Exec("INSERT INTO "+tg.table("access_logs")+
				" (id, start_time, request_id, method, path, response_code, model) VALUES (?, ?, ?, 'POST', '/v1/chat/completions', 200, ?)",
				base+offset, time.Now().UTC(), rid, model)
			require.NoError(t, err)
			return rid
		}
		got := map[string]int{}
		receive := func(want ...string) string {
			t.Helper()
			var last string
			for range want {
				ev := c.nextRow(t, eventWait)
				got[ev.data["request_id"].(string)]++
				last = ev.id
			}
			return last
		}
		// Each row is waited for before the next is inserted, so every one
		// lands below, between or above ids already sent.
		var sent []string
		var lastID string
		for _, offset := range []int64{1000, 10, 500, 1001, 11, 2000, 499, 1} {
			sent = append(sent, insertAt(offset, "ooo"))
			insertAt(offset+5000, "other") // filtered out, its id counts all the same
			lastID = receive(sent[len(sent)-1])
		}
		c.noRow(t, 300*time.Millisecond)
		c.close()

		// While nobody tails: rows below and above everything sent so far.
		var missed []string
		for _, offset := range []int64{3, 1500, 12, 2500} {
			missed = append(missed, insertAt(offset, "ooo"))
		}
		resumeFrom := lastID
		c = openTail(t, tailURL, resumeFrom)
		receive(missed...)
		c.noRow(t, 300*time.Millisecond)
		for _, rid := range append(sent, missed...) {
			assert.Equal(t, 1, got[rid], "%s delivered once", rid)
		}
		assert.Len(t, got, len(sent)+len(missed))
	})
}

// TestTailHeartbeatAndCap: an idle tail sends heartbeats; tails beyond
// max_concurrent get 429; a bad Last-Event-ID is a 400.
func TestTailHeartbeatAndCap(t *testing.T) {
	tg := gmsTarget(t)
	w := startWriter(t, tg, "access_logs")
	w.post(t, fixture()[:1]...)
	cfg := testConfig(tg, "access_logs")
	cfg.Tail.Heartbeat = 100 * time.Millisecond
	cfg.Tail.MaxConcurrent = 1
	e := startQuery(t, cfg, nil)
	c := openTail(t, e.url(pathTail), "")
	assert.Equal(t, "heartbeat", c.next(t, eventWait).comment)

	resp := get(t, e.url(pathTail))
	assert.Equal(t, http.StatusTooManyRequests, resp.code, resp.raw)
	c.close()
	require.Eventually(t, func() bool {
		r := get(t, e.url(pathTail+"?last_event_id=x"))
		return r.code == http.StatusBadRequest
	}, eventWait, 50*time.Millisecond)
}

// TestShutdownEndsTails: Shutdown returns with a tail open (a tail left
// open never ends by itself, so Shutdown would wait out ctx and fail).
func TestShutdownEndsTails(t *testing.T) {
	tg := gmsTarget(t)
	startWriter(t, tg, "access_logs").post(t, fixture()[:1]...)
	cfg := testConfig(tg, "access_logs")
	ext, err := NewFactory().Create(context.Background(), extensionSettings(), cfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), nopHost()))
	c := openTail(t, ext.(*queryExtension).url(pathTail), "")
	ctx, cancel := context.WithTimeout(context.Background(), eventWait)
	defer cancel()
	require.NoError(t, ext.Shutdown(ctx))
	select {
	case <-c.done:
	case <-time.After(eventWait):
		t.Fatal("the tail's stream did not end")
	}
}
