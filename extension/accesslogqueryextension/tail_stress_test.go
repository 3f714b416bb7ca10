package accesslogqueryextension

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTailConcurrentWriters: several writers commit rows at once — on
// MariaDB each in a transaction that commits after a random pause, so ids
// become visible out of order — while a client tails and reconnects with
// Last-Event-ID now and then. Every committed row arrives exactly once.
func TestTailConcurrentWriters(t *testing.T) {
	t.Run("mariadb", func(t *testing.T) { tailConcurrentWriters(t, mariaTarget(t)) })
	t.Run("gms", func(t *testing.T) { tailConcurrentWriters(t, gmsTarget(t)) })
}

func tailConcurrentWriters(t *testing.T, tg *target) {
	startWriter(t, tg, "access_logs").post(t, fixture()[:1]...)
	e := startQuery(t, testConfig(tg, "access_logs"), nil)
	tailURL := e.url(pathTail + "?model=cw")
	c := openTail(t, tailURL, "")

	const writers, perWriter = 4, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				rid := fmt.Sprintf("cw-%d-%d", w, i)
				stmt := "INSERT INTO " + tg.table("access_logs") + " (start_time, request_id, method, path, response_code, model) VALUES (?, ?, 'POST', '/', 200, 'cw')"
				if tg.gms {
					// go-mysql-server: explicit transactions of several
					// sessions undo each other's commits (mysqltest).
					_, err := tg.admin.Exec(stmt, time.Now().UTC(), rid)
					assert.NoError(t, err)
					continue
				}
				tx, err := tg.admin.Begin()
				if !assert.NoError(t, err) {
					return
				}
				_, err = tx.Exec(stmt, time.Now().UTC(), rid)
				assert.NoError(t, err)
				time.Sleep(rand.N(30 * time.Millisecond))
				assert.NoError(t, tx.Commit())
			}
		})
	}
	written := make(chan struct{})
	go func() { wg.Wait(); close(written) }()

	got := map[string]int{}
	var lastID string
	for n := 0; n < writers*perWriter; n++ {
		if n > 0 && n%20 == 0 {
			c.close()
			if n%40 == 0 {
				// Every other reconnect finds the poller stopped, so the
				// stream resumes into a new run.
				require.Eventually(t, func() bool {
					e.tails.mu.Lock()
					defer e.tails.mu.Unlock()
					return !e.tails.running
				}, eventWait, time.Millisecond)
			}
			c = openTail(t, tailURL, lastID)
		}
		ev := c.nextRow(t, eventWait)
		got[ev.data["request_id"].(string)]++
		lastID = ev.id
	}
	<-written
	for w := range writers {
		for i := range perWriter {
			assert.Equal(t, 1, got[fmt.Sprintf("cw-%d-%d", w, i)], "cw-%d-%d delivered once", w, i)
		}
	}
	require.Len(t, got, writers*perWriter)
}
