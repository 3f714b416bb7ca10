package mysqlaccesslogexporter

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-higress/otelcol-higress/processor/ailogprocessor"
	"github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"
)

// TestPipelineFromPusherJSON runs the real chain higresslog → ailog →
// mysqlaccesslog on db-log-pusher JSON: tokens, model and consumer come
// from ai_log when the top level has none, an escaped ai_log is stored as
// an object, a +08:00 start_time is stored as its UTC instant.
func TestPipelineFromPusherJSON(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		exp, _ := startExporter(t, testConfig(tg, tg.dsn), nopSettings())
		url := startPipeline(t, exp)

		body := `{"start_time":"2026-03-01T10:00:05+08:00","authority":"api.example.com","method":"POST",
			"path":"/v1/chat/completions","protocol":"HTTP/1.1","request_id":"pipe-1","trace_id":"",
			"response_code":200,"instance_id":"gw-7","model":"","consumer":"","mcp_server":"","mcp_tool":"",
			"ai_log":"{\"model\":\"qwen-max\",\"input_token\":\"10\",\"output_token\":20,\"consumer\":\"alice\",\"cache_status\":\"hit\"}"}`
		resp, err := http.Post(url, "application/json", strings.NewReader(body))
		require.NoError(t, err)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)

		got := readRow(t, tg, "access_logs", "pipe-1")
		assert.Equal(t, "2026-03-01T02:00:05Z", *got["start_time"])
		assert.Equal(t, "qwen-max", *got["model"])
		assert.Equal(t, "alice", *got["consumer"])
		assert.Equal(t, "10", *got["input_tokens"])
		assert.Equal(t, "20", *got["output_tokens"])
		assert.Equal(t, "30", *got["total_tokens"])
		assert.Equal(t, "gw-7", *got["instance_id"])
		assert.Nil(t, got["trace_id"])
		assert.Nil(t, got["mcp_tool"])
		jsonEqual(t, `{"model":"qwen-max","input_token":"10","output_token":20,"consumer":"alice","cache_status":"hit"}`, got["ai_log"])
	})
}

// startPipeline runs higresslog → ailog → exp, as the distribution does,
// and returns the receiver's ingest URL.
func startPipeline(t *testing.T, exp consumer.Logs) string {
	pf := ailogprocessor.NewFactory()
	proc, err := pf.CreateLogs(context.Background(), processortest.NewNopSettings(pf.Type()), pf.CreateDefaultConfig(), exp)
	require.NoError(t, err)
	require.NoError(t, proc.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, proc.Shutdown(context.Background())) })

	rf := higresslogreceiver.NewFactory()
	rcfg := rf.CreateDefaultConfig().(*higresslogreceiver.Config)
	rcfg.NetAddr.Endpoint = freeAddr(t)
	// A POST can wait for the write, which on a loaded CI machine can
	// outlast confighttp's 30 s write_timeout.
	rcfg.WriteTimeout = 5 * time.Minute
	rcv, err := rf.CreateLogs(context.Background(), receivertest.NewNopSettings(rf.Type()), rcfg, proc)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, rcv.Shutdown(context.Background())) })
	return "http://" + rcfg.NetAddr.Endpoint + "/ingest"
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}
