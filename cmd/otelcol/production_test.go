package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
)

// config/production.yaml runs as shipped except for TLS (the test MariaDB
// has none; the exporter's TLS setting is tested with the exporter): ingest
// refuses requests without the bearer token, the exporter's queue lives in
// QUEUE_DIR, rows land once, and health_check answers.
func TestProductionConfigAuthQueueAndRows(t *testing.T) {
	db := mysqltest.NewDatabase(t)
	queueDir := t.TempDir()
	t.Setenv("MYSQL_DSN", db.DSN)
	t.Setenv("INGEST_TOKEN", "s3cret-token")
	t.Setenv("QUEUE_DIR", queueDir)

	addr, health := freeAddr(t), freeAddr(t)
	startCollector(t, "file:../../config/production.yaml",
		"yaml:receivers::higresslog::endpoint: "+addr,
		"yaml:extensions::health_check::endpoint: "+health,
		"yaml:exporters::mysqlaccesslog::tls::insecure: true",
		"yaml:exporters::mysqlaccesslog::sending_queue::batch::flush_timeout: 200ms")

	e := aiEntry("prod-unauth", "qwen-max", "team-a", "r", 1, 2)
	assert.Equal(t, http.StatusUnauthorized, postEntry(t, addr, "", e), "no token")
	assert.Equal(t, http.StatusUnauthorized, postEntry(t, addr, "wrong", e), "wrong token")

	const n = 5
	for i := range n {
		postEntries(t, addr, "s3cret-token", aiEntry(fmt.Sprintf("prod-%d", i), "qwen-max", "team-a", "r", 1, 2))
	}
	var rows map[string][]accessRow
	require.Eventually(t, func() bool {
		rows = rowsByRequestID(t, db)
		return len(rows) == n
	}, 30*time.Second, 50*time.Millisecond)
	for id, r := range rows {
		assert.Len(t, r, 1, id)
	}
	assert.NotContains(t, rows, "prod-unauth")

	// The persistent queue's file is in QUEUE_DIR.
	files, err := os.ReadDir(queueDir)
	require.NoError(t, err)
	assert.NotEmpty(t, files, "no queue file in QUEUE_DIR")

	resp, err := http.Get("http://" + health + "/")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// config/docker.yaml, the image's default: the plugin's POST without a
// token, on "/" or /ingest, lands in access_logs.
func TestDockerConfigDropIn(t *testing.T) {
	db := mysqltest.NewDatabase(t)
	t.Setenv("MYSQL_DSN", db.DSN)
	addr := freeAddr(t)
	startCollector(t, "file:../../config/docker.yaml",
		"yaml:receivers::higresslog::endpoint: "+addr,
		"yaml:extensions::health_check::endpoint: "+freeAddr(t))

	postEntries(t, addr, "", aiEntry("docker-1", "qwen-max", "team-a", "r", 1, 2))
	resp, err := http.Post("http://"+addr+"/", "application/json",
		strings.NewReader(`{"request_id":"docker-2","method":"GET","path":"/","authority":"a","protocol":"HTTP/1.1"}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	require.Eventually(t, func() bool {
		rows := rowsByRequestID(t, db)
		return len(rows["docker-1"]) == 1 && len(rows["docker-2"]) == 1
	}, 30*time.Second, 50*time.Millisecond)
}
