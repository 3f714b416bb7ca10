package main

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
)

// config/query.yaml runs as shipped: a row posted to ingest is found with
// GET /query with the token, and not without it.
func TestQueryConfigFindsIngestedRows(t *testing.T) {
	db := mysqltest.NewDatabase(t)
	t.Setenv("MYSQL_DSN", db.DSN)
	t.Setenv("QUERY_MYSQL_DSN", db.DSN)
	t.Setenv("QUERY_TOKEN", "q-token")
	t.Setenv("WAL_DIR", t.TempDir())
	ingest, query := freeAddr(t), freeAddr(t)
	startCollector(t, "file:../../config/query.yaml",
		"yaml:receivers::higresslog::endpoint: "+ingest,
		"yaml:extensions::accesslogquery::endpoint: "+query,
		"yaml:extensions::health_check::endpoint: "+freeAddr(t))

	postEntries(t, ingest, "", aiEntry("find-me", "qwen-max", "team-a", "r", 3, 4))
	get := func(token string) (int, map[string]any) {
		req, err := http.NewRequest(http.MethodGet, "http://"+query+"/query?request_id=find-me&start_time=2026-11-20T09:00:00Z&end=2026-11-20T11:00:00Z", nil)
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	code, _ := get("")
	assert.Equal(t, http.StatusUnauthorized, code)
	require.Eventually(t, func() bool {
		code, body := get("q-token")
		return code == http.StatusOK && body["total"] == float64(1)
	}, time.Minute, 100*time.Millisecond)
	_, body := get("q-token")
	log := body["logs"].([]any)[0].(map[string]any)
	assert.Equal(t, "qwen-max", log["model"])
	assert.Equal(t, float64(7), log["total_tokens"])
}
