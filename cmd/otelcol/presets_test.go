package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// The presets in config/ run through the real pipeline: higresslog receiver
// → transform (OTTL) → ailog → file exporter, started from the preset file
// itself with only endpoint and output path overridden.

const attrRequestID = "higress.request_id"

// presetEntries are three requests: a and b come from the same client
// (different source ports), c from another one.
var presetEntries = []map[string]any{
	{
		"request_id": "a", "method": "POST", "path": "/v1/chat/completions?key=sk-in-query&stream=true",
		"x_forwarded_for": "203.0.113.7", "downstream_remote_address": "203.0.113.7:51234",
		"req_headers": map[string]string{
			"authorization": "Bearer sk-secret", "cookie": "sid=1", "x-api-key": "k1",
			"x-auth-token": "t1", "x-service": "billing", "content-type": "application/json",
		},
		"resp_headers": map[string]string{"set-cookie": "a=b", ":status": "200", "content-type": "text/event-stream"},
		"req_body":     `{"messages":[{"role":"user","content":"my secret"}]}`,
		"resp_body":    "data: {\"choices\":[]}\n\n",
		"model":        "", "input_tokens": 0,
		"ai_log": map[string]any{
			"model": "qwen-max", "input_token": "3", "output_token": 4, "response_type": "stream",
			"question": "my secret", "answer": "your secret",
		},
	},
	{
		"request_id": "b", "method": "POST", "path": "/v1/chat/completions",
		"x_forwarded_for": "203.0.113.7", "downstream_remote_address": "203.0.113.7:40000",
		"req_headers": map[string]string{"authorization": "Bearer other"},
		"ai_log":      `{"model":"qwen-turbo","total_token":"9"}`,
	},
	{
		"request_id": "c", "method": "GET", "path": "/mcp-servers/amap/sse",
		"x_forwarded_for": "198.51.100.9", "downstream_remote_address": "[2001:db8::1]:443",
		"req_headers": map[string]string{"x-service": ""},
		"ai_log":      map[string]any{"mcp_tool_name": "maps_geo"},
	},
}

// runPreset starts the distribution with a preset, posts presetEntries and
// returns the written records by request_id.
func runPreset(t *testing.T, preset string) map[string]pcommon.Map {
	t.Helper()
	addr := freeAddr(t)
	out := filepath.Join(t.TempDir(), "records.jsonl")
	startCollector(t, "file:../../config/"+preset,
		"yaml:receivers::higresslog::endpoint: "+addr,
		"yaml:exporters::file::path: "+out)

	for _, e := range presetEntries {
		body, err := json.Marshal(e)
		require.NoError(t, err)
		resp, err := http.Post("http://"+addr+"/ingest", "application/json", bytes.NewReader(body))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}

	records := map[string]pcommon.Map{}
	require.Eventually(t, func() bool {
		raw, err := os.ReadFile(out)
		if err != nil {
			return false
		}
		for _, line := range bytes.Split(raw, []byte("\n")) {
			ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(line)
			if err != nil {
				continue // empty or partly written last line
			}
			for _, rl := range ld.ResourceLogs().All() {
				for _, sl := range rl.ScopeLogs().All() {
					for _, lr := range sl.LogRecords().All() {
						id, _ := lr.Attributes().Get(attrRequestID)
						records[id.Str()] = lr.Attributes()
					}
				}
			}
		}
		return len(records) == len(presetEntries)
	}, time.Minute, 50*time.Millisecond)
	return records
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func mapAttr(t *testing.T, attrs pcommon.Map, key string) map[string]any {
	t.Helper()
	v, ok := attrs.Get(key)
	require.True(t, ok, key)
	require.Equal(t, pcommon.ValueTypeMap, v.Type(), key)
	return v.Map().AsRaw()
}

func TestPresetRedaction(t *testing.T) {
	t.Setenv("HIGRESS_REDACT_HEADERS", "x-auth-token|x-other")
	t.Setenv("HIGRESS_IP_HASH_SALT", "pepper")
	recs := runPreset(t, "preset-redaction.yaml")
	a, b, c := recs["a"], recs["b"], recs["c"]

	// Headers: credentials and the configured extra gone, the rest kept.
	assert.Equal(t, map[string]any{"x-service": "billing", "content-type": "application/json"},
		mapAttr(t, a, "higress.request.headers"))
	assert.Equal(t, map[string]any{":status": "200", "content-type": "text/event-stream"},
		mapAttr(t, a, "higress.response.headers"))
	assert.Empty(t, mapAttr(t, b, "higress.request.headers"))

	// Bodies dropped; keys in the query string masked.
	for _, r := range recs {
		assert.NotContains(t, r.AsRaw(), "higress.request.body")
		assert.NotContains(t, r.AsRaw(), "higress.response.body")
	}
	assert.Equal(t, "/v1/chat/completions?key=REDACTED&stream=true", a.AsRaw()[accesslog.AttrPath])

	// Client IPs hashed with the salt, consistently across fields and
	// records: same client, same hash (ports ignored); other client, other hash.
	clientA := sha256Hex("pepper203.0.113.7")
	for _, r := range []pcommon.Map{a, b} {
		assert.Equal(t, clientA, r.AsRaw()[accesslog.AttrXForwardedFor])
		assert.Equal(t, clientA, r.AsRaw()["higress.downstream.remote_address"])
	}
	assert.Equal(t, sha256Hex("pepper198.51.100.9"), c.AsRaw()[accesslog.AttrXForwardedFor])
	assert.Equal(t, sha256Hex("pepper2001:db8::1"), c.AsRaw()["higress.downstream.remote_address"])

	// Conversations dropped from ai_log; usage still flattened and columns filled.
	assert.Equal(t, map[string]any{"model": "qwen-max", "input_token": "3", "output_token": int64(4), "response_type": "stream"},
		mapAttr(t, a, accesslog.AttrAILog))
	assert.NotContains(t, a.AsRaw(), "higress.ai.question")
	assert.Equal(t, "qwen-max", a.AsRaw()[accesslog.AttrModel])
	assert.Equal(t, int64(3), a.AsRaw()[accesslog.AttrInputTokens])
	assert.Equal(t, int64(7), a.AsRaw()[accesslog.AttrTotalTokens])
	assert.Equal(t, int64(9), b.AsRaw()[accesslog.AttrTotalTokens])
	assert.Equal(t, "maps_geo", c.AsRaw()[accesslog.AttrMCPTool])
	assert.Equal(t, "amap", c.AsRaw()[accesslog.AttrMCPServer])
}

func TestPresetCustomFields(t *testing.T) {
	recs := runPreset(t, "preset-custom-fields.yaml")

	assert.Equal(t, "billing", recs["a"].AsRaw()["service"], "from the x-service header")
	assert.Equal(t, "gateway", recs["b"].AsRaw()["service"], "default without the header")
	assert.Equal(t, "gateway", recs["c"].AsRaw()["service"], "default for an empty header")
	for _, r := range recs {
		assert.Equal(t, "default", r.AsRaw()["tenant"])
	}
	// Nothing else is redacted by this preset, and ailog still runs.
	assert.Equal(t, "Bearer sk-secret", mapAttr(t, recs["a"], "higress.request.headers")["authorization"])
	assert.Equal(t, "qwen-max", recs["a"].AsRaw()[accesslog.AttrResponseModel])
}
