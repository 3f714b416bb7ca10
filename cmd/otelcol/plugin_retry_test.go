package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
)

// The same POST sent twice — the plugin retries a batch whose answer it did
// not get, though the collector had stored it — gives one row per entry:
// the plugin's entry_id becomes the record uid, which the exporter's unique
// key writes once. Through the real collector (config/production.yaml)
// into MariaDB. db-log-pusher's entries, without entry_id, keep their
// behaviour: each POST is new, so the same entry sent twice is two rows.
func TestPluginPostSentTwiceIsOneRowEach(t *testing.T) {
	db := mysqltest.NewDatabase(t)
	t.Setenv("MYSQL_DSN", db.DSN)
	t.Setenv("INGEST_TOKEN", "golden-token")
	t.Setenv("WAL_DIR", t.TempDir())
	addr := freeAddr(t)
	startCollector(t, "file:../../config/production.yaml",
		"yaml:receivers::higresslog::endpoint: "+addr,
		// One feeder takes the bodies in order: the sentinel's row means the
		// bodies before it are written.
		"yaml:receivers::higresslog::wal::num_consumers: 1",
		"yaml:extensions::health_check::endpoint: "+freeAddr(t),
		"yaml:exporters::mysqlaccesslog::tls::insecure: true")

	posts := sendPluginPosts(t, addr)
	require.Equal(t, posts, sendPluginPosts(t, addr), "every POST again")
	legacy := []byte(`[{"start_time":"2026-03-01T11:00:00Z","request_id":"legacy-1","authority":"a","method":"GET",` +
		`"path":"/","protocol":"HTTP/1.1","response_code":200,"response_flags":"-","bytes_received":0,"bytes_sent":0}]`)
	postGzip(t, addr, legacy)
	postGzip(t, addr, legacy)
	postGzip(t, addr, []byte(`[{"start_time":"2026-03-01T12:00:00Z","request_id":"sentinel","entry_id":"sentinel/1",`+
		`"authority":"a","method":"GET","path":"/","protocol":"HTTP/1.1","response_code":200,"response_flags":"-"}]`))

	count := func(where string) int {
		var n int
		if err := db.DB.QueryRow(fmt.Sprintf("SELECT COUNT(*) FROM `%s`.access_logs WHERE %s", db.Name, where)).Scan(&n); err != nil {
			return -1
		}
		return n
	}
	require.Eventually(t, func() bool { return count("request_id = 'sentinel'") == 1 }, time.Minute, 50*time.Millisecond)
	want := pluginScenarioRows()
	for id := range want {
		assert.Equal(t, 1, count("request_id = '"+id+"'"), id)
	}
	assert.Equal(t, len(want), count("request_id LIKE 'plg-%'"))
	assert.Equal(t, 2, count("request_id = 'legacy-1'"), "without entry_id each POST is new")
}
