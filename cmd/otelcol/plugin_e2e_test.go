package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
)

// pluginRow is an access_logs row as HiMarket reads it; NULL shows as
// "<null>" (strings) or -1 (numbers).
type pluginRow struct {
	Start, Method, Path, Protocol                  string
	Code                                           int64
	Flags, Details                                 string
	BytesIn, BytesOut, Duration                    int64
	Cluster, Host, ServiceTime, Route, InstanceID  string
	API, Model, Consumer, MCPServer, MCPTool       string
	InputTokens, OutputTokens, TotalTokens         int64
	AILogOutputToken, AILogResponseType, Transport string
}

const null = "<null>"

// The plugin's POST bodies, recorded by its tests in the wasm-go host
// (plugin/testdata/posts.jsonl), sent as the plugin sends them — gzip,
// bearer token — to the collector with config/production.yaml, land in
// MariaDB as the rows those requests imply.
func TestPluginPostsLandAsRows(t *testing.T) {
	db := mysqltest.NewDatabase(t)
	t.Setenv("MYSQL_DSN", db.DSN)
	t.Setenv("INGEST_TOKEN", "golden-token") // the scenario's ingest_token
	t.Setenv("WAL_DIR", t.TempDir())
	addr := freeAddr(t)
	startCollector(t, "file:../../config/production.yaml",
		"yaml:receivers::higresslog::endpoint: "+addr,
		"yaml:extensions::health_check::endpoint: "+freeAddr(t),
		"yaml:exporters::mysqlaccesslog::tls::insecure: true")

	require.Equal(t, 3, sendPluginPosts(t, addr))

	want := pluginScenarioRows()
	var got map[string]pluginRow
	require.Eventually(t, func() bool {
		got = pluginRows(t, db)
		return len(got) == len(want)
	}, time.Minute, 50*time.Millisecond)
	for id, w := range want {
		assert.Equal(t, w, got[id], id)
	}
}

// sendPluginPosts POSTs the plugin's recorded bodies to the collector at
// addr as the plugin sends them (gzip, bearer token) and returns how many.
func sendPluginPosts(t *testing.T, addr string) int {
	t.Helper()
	f, err := os.Open("../../plugin/testdata/posts.jsonl")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	posts := 0
	for sc.Scan() {
		postGzip(t, addr, sc.Bytes())
		posts++
	}
	require.NoError(t, sc.Err())
	return posts
}

func postGzip(t *testing.T, addr string, body []byte) {
	t.Helper()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(body)
	require.NoError(t, zw.Close())
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/ingest", &gz)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Authorization", "Bearer golden-token")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

func pluginRows(t *testing.T, db *mysqltest.Database) map[string]pluginRow {
	t.Helper()
	s := func(col string) string { return "COALESCE(" + col + ",'" + null + "')" }
	n := func(col string) string { return "COALESCE(" + col + ",-1)" }
	rows, err := db.DB.Query(fmt.Sprintf("SELECT request_id, DATE_FORMAT(start_time, '%%Y-%%m-%%d %%H:%%i:%%s.%%f'), method, path, protocol, "+
		n("response_code")+", response_flags, "+s("response_code_details")+", "+n("bytes_received")+", "+n("bytes_sent")+", "+n("duration")+", "+
		s("upstream_cluster")+", "+s("upstream_host")+", "+s("upstream_service_time")+", "+s("route_name")+", "+s("instance_id")+", "+
		s("api")+", "+s("model")+", "+s("consumer")+", "+s("mcp_server")+", "+s("mcp_tool")+", "+
		n("input_tokens")+", "+n("output_tokens")+", "+n("total_tokens")+", "+
		s("JSON_UNQUOTE(JSON_EXTRACT(ai_log, '$.output_token'))")+", "+s("JSON_UNQUOTE(JSON_EXTRACT(ai_log, '$.response_type'))")+", "+
		s("upstream_transport_failure_reason")+" FROM `%s`.access_logs", db.Name))
	if err != nil {
		return nil // not created yet
	}
	defer rows.Close()
	out := map[string]pluginRow{}
	for rows.Next() {
		var id string
		var r pluginRow
		require.NoError(t, rows.Scan(&id, &r.Start, &r.Method, &r.Path, &r.Protocol, &r.Code, &r.Flags, &r.Details,
			&r.BytesIn, &r.BytesOut, &r.Duration, &r.Cluster, &r.Host, &r.ServiceTime, &r.Route, &r.InstanceID,
			&r.API, &r.Model, &r.Consumer, &r.MCPServer, &r.MCPTool, &r.InputTokens, &r.OutputTokens, &r.TotalTokens,
			&r.AILogOutputToken, &r.AILogResponseType, &r.Transport))
		out[id] = r
	}
	require.NoError(t, rows.Err())
	return out
}

// pluginScenarioRows is what the plugin's main scenario (plugin/scenario_test.go)
// implies: request i starts at 10:00:00.123 + i s, received 100+i and sent
// 1000+i body bytes; Envoy's code, flags, details and duration as given
// there; model, tokens, consumer and MCP columns filled as HiMarket needs.
func pluginScenarioRows() map[string]pluginRow {
	llm := func(i int, method, path string, code int64, flags, details string, dur int64) pluginRow {
		return pluginRow{
			Start: fmt.Sprintf("2026-03-01 10:00:%02d.123000", i), Method: method, Path: path, Protocol: "HTTP/1.1",
			Code: code, Flags: flags, Details: details, BytesIn: int64(100 + i), BytesOut: int64(1000 + i), Duration: dur,
			Cluster: "outbound|443||llm-qwen.dns", Host: "10.0.5.5:443", ServiceTime: null, Route: "model-api-qwen-chat-0",
			InstanceID: "gw-test-1", API: "qwen-chat", Model: null, Consumer: null, MCPServer: null, MCPTool: null,
			InputTokens: -1, OutputTokens: -1, TotalTokens: -1, AILogOutputToken: null, AILogResponseType: null, Transport: null,
		}
	}
	other := func(r pluginRow, cluster, host, route string) pluginRow {
		r.Cluster, r.Host, r.Route, r.API = cluster, host, route, null
		return r
	}
	rows := map[string]pluginRow{}

	r := llm(1, "POST", "/v1/chat/completions", 200, "-", "via_upstream", 1234)
	r.ServiceTime, r.Model, r.Consumer = "87", "qwen-max", "team-a"
	r.InputTokens, r.OutputTokens, r.TotalTokens = 12, 345, 357
	r.AILogOutputToken, r.AILogResponseType = "345", "stream"
	rows["plg-01"] = r

	r = llm(2, "POST", "/v1/chat/completions", 200, "-", "via_upstream", 48)
	r.ServiceTime, r.Model, r.Consumer = "40", "qwen-turbo", "team-b"
	r.InputTokens, r.OutputTokens, r.TotalTokens = 20, 30, 50
	r.AILogOutputToken, r.AILogResponseType = "30", "normal"
	rows["plg-02"] = r

	rows["plg-03"] = llm(3, "DELETE", "/v1/files/file-abc", 204, "-", "via_upstream", 7)
	rows["plg-04"] = llm(4, "HEAD", "/v1/models", 200, "-", "via_upstream", 3)
	rows["plg-05"] = llm(5, "GET", "/v1/models?limit=10", 200, "-", "via_upstream", 15)

	r = other(llm(6, "POST", "/grpc.health.v1.Health/Check", 200, "-", "via_upstream", 4),
		"outbound|50051||health.grpc.svc.cluster.local", "10.0.7.1:50051", "grpc-health")
	r.Protocol = "HTTP/2"
	rows["plg-06"] = r

	rows["plg-07"] = other(llm(7, "GET", "/no/such/route", 404, "NR", "route_not_found", 0), null, null, null)

	r = llm(8, "POST", "/v1/chat/completions", 503, "UH", "no_healthy_upstream", 1)
	r.Host, r.Model = null, "qwen-max"
	rows["plg-08"] = r

	r = other(llm(9, "POST", "/mcp-servers/weather/mcp", 200, "-", "via_upstream", 230),
		"outbound|80||weather.mcp.svc.cluster.local", "10.0.9.9:80", "mcp-weather")
	r.Consumer, r.MCPServer, r.MCPTool = "team-a", "weather", "get_forecast"
	rows["plg-09"] = r

	r = llm(10, "POST", "/v1/chat/completions", 503, "UF,URX", "upstream_reset_before_response_started{connection_failure}", 3012)
	r.Host, r.Model, r.Transport = "10.0.5.6:443", "qwen-max", "delayed connect error: 111"
	rows["plg-10"] = r

	rows["plg-11"] = other(llm(11, "GET", "/ws/chat", 101, "-", "via_upstream", 60000),
		"outbound|8080||ws.default.svc.cluster.local", "10.0.3.3:8080", "ws")

	r = llm(12, "POST", "/v1/chat/completions", 0, "DC", "downstream_remote_disconnect", 2500)
	r.Model = "qwen-max"
	rows["plg-12"] = r

	// ai_log cut to ai_log_max_bytes: its usage kept whole.
	r = llm(13, "POST", "/v1/chat/completions", 200, "-", "via_upstream", 3200)
	r.Model = "qwen-max"
	r.InputTokens, r.OutputTokens, r.TotalTokens = 900, 1200, 2100
	r.AILogOutputToken, r.AILogResponseType = "1200", "normal"
	rows["plg-13"] = r
	return rows
}
