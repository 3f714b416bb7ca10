package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
)

// Helpers of the deployment-example tests (fan-out, Kafka, metrics): they
// post db-log-pusher entries and read what landed in MySQL.

// aiEntry is a db-log-pusher entry with the dimensions HiMarket groups by.
func aiEntry(requestID, model, consumer, route string, in, out int) map[string]any {
	return map[string]any{
		"start_time": "2026-11-20T10:00:00Z", "authority": "api.example.com",
		"method": "POST", "path": "/v1/chat/completions", "protocol": "HTTP/1.1",
		"request_id": requestID, "response_code": 200, "response_flags": "-",
		"response_code_details": "via_upstream", "bytes_received": 100, "bytes_sent": 200,
		"duration": 42, "route_name": route, "instance_id": "gw-1", "api": "chat",
		"model": model, "consumer": consumer, "route": route, "service": "llm.dns",
		"mcp_server": "", "mcp_tool": "",
		"input_tokens": in, "output_tokens": out, "total_tokens": in + out,
		"ai_log": map[string]any{"model": model, "input_token": in, "output_token": out, "response_type": "normal"},
	}
}

// postEntries POSTs each entry as its own request, as the plugin does, and
// requires 200 for every one. A non-empty token is sent as a bearer token.
func postEntries(t *testing.T, addr, token string, entries ...map[string]any) {
	t.Helper()
	for _, e := range entries {
		require.Equal(t, http.StatusOK, postEntry(t, addr, token, e), "entry %v", e["request_id"])
	}
}

func postEntry(t *testing.T, addr, token string, entry map[string]any) int {
	t.Helper()
	body, err := json.Marshal(entry)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/ingest", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// accessRow is what HiMarket reads of one access_logs row.
type accessRow struct {
	RecordUID, Model, Consumer, Route string
	Input, Output, Total              int64
}

// rowsByRequestID returns the access_logs rows per request_id; nil while
// the exporter has not created the table yet.
func rowsByRequestID(t *testing.T, db *mysqltest.Database) map[string][]accessRow {
	t.Helper()
	rows, err := db.DB.Query(fmt.Sprintf(
		"SELECT request_id, COALESCE(record_uid,''), COALESCE(model,''), COALESCE(consumer,''), COALESCE(route,''),"+
			" COALESCE(input_tokens,0), COALESCE(output_tokens,0), COALESCE(total_tokens,0) FROM `%s`.access_logs", db.Name))
	if err != nil {
		return nil // table not there yet
	}
	defer rows.Close()
	out := map[string][]accessRow{}
	for rows.Next() {
		var id string
		var r accessRow
		require.NoError(t, rows.Scan(&id, &r.RecordUID, &r.Model, &r.Consumer, &r.Route, &r.Input, &r.Output, &r.Total))
		out[id] = append(out[id], r)
	}
	require.NoError(t, rows.Err())
	return out
}
