package ailogprocessor

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
	"github.com/otelcol-higress/otelcol-higress/processor/ailogprocessor/internal/metadatatest"
)

// fullAILog has every docs/contract.md §2 key, numbers in both forms (JSON
// numbers and numeric strings), details as object and as JSON string, the
// safecheck typo as sent, and one operator custom key.
const fullAILog = `{
 "model":"qwen-max","input_token":"10","output_token":20,"total_token":30,
 "reasoning_tokens":5,"cached_tokens":"3",
 "input_token_details":{"cached_tokens":3,"audio_tokens":"0"},
 "output_token_details":"{\"reasoning_tokens\":5}",
 "llm_first_token_duration":120,"llm_service_duration":"850","response_type":"stream",
 "api":"my-api@v1@openai","consumer":"alice","session_id":"sess-1","chat_id":"chatcmpl-1","chat_round":2,
 "cache_status":"miss","token_ratelimit_status":"limited","safecheck_status":"reqeust deny",
 "safecheck_riskLabel":"porn","safecheck_riskWords":"bad word","safecheck_request_rt":35,
 "safecheck_response_rt":"12.5","fallback_from":"qwen-turbo",
 "mcp_tool_name":"maps_geo","mcp_tool_arguments":{"address":"Hangzhou"},"mcp_tool_response":"{\"ok\":true}",
 "mcp_tool_error":"timeout","jsonrpc_version":"2.0","jsonrpc_id":7,"jsonrpc_method":"tools/call",
 "jsonrpc_params":{"name":"maps_geo"},"jsonrpc_result":{"content":[]},
 "question":"hi","system":"be nice","answer":"hello","reasoning":"think",
 "messages":[{"role":"user","content":"hi"}],"tool_calls":[{"id":"c1"}],
 "my_custom":{"tier":"gold"}
}`

// fullExpected is what fullAILog becomes (with url.path /mcp-servers/amap/sse
// and no top-level column attributes).
var fullExpected = map[string]any{
	// usage, incl. column fills
	accesslog.AttrResponseModel:                              "qwen-max",
	accesslog.AttrModel:                                      "qwen-max",
	accesslog.AttrInputTokens:                                int64(10),
	accesslog.AttrOutputTokens:                               int64(20),
	accesslog.AttrTotalTokens:                                int64(30),
	accesslog.AttrReasoningTokens:                            int64(5),
	accesslog.AttrCachedTokens:                               int64(3),
	"higress.ai.usage.input_token_details.cached_tokens":     int64(3),
	"higress.ai.usage.input_token_details.audio_tokens":      int64(0),
	"higress.ai.usage.output_token_details.reasoning_tokens": int64(5),
	// timing / type
	"higress.ai.llm_first_token_duration_ms": int64(120),
	"higress.ai.llm_service_duration_ms":     int64(850),
	"higress.ai.response_type":               "stream",
	// identity
	"higress.ai.api":             "my-api@v1@openai",
	"higress.ai.consumer":        "alice",
	accesslog.AttrConsumer:       "alice",
	accesslog.AttrConversationID: "sess-1",
	"higress.ai.chat_id":         "chatcmpl-1",
	"higress.ai.chat_round":      int64(2),
	// status
	"higress.ai.cache_status":             "miss",
	"higress.ai.token_ratelimit_status":   "limited",
	"higress.ai.safecheck.status":         "reqeust deny",
	"higress.ai.safecheck.risk_label":     "porn",
	"higress.ai.safecheck.risk_words":     "bad word",
	"higress.ai.safecheck.request_rt_ms":  int64(35),
	"higress.ai.safecheck.response_rt_ms": 12.5,
	"higress.ai.fallback_from":            "qwen-turbo",
	// MCP
	accesslog.AttrMCPTool:           "maps_geo",
	accesslog.AttrMCPServer:         "amap",
	accesslog.AttrToolCallArguments: map[string]any{"address": "Hangzhou"},
	accesslog.AttrToolCallResult:    `{"ok":true}`,
	"higress.ai.mcp.tool_error":     "timeout",
	accesslog.AttrJSONRPCVersion:    "2.0",
	accesslog.AttrJSONRPCRequestID:  "7",
	accesslog.AttrMCPMethod:         "tools/call",
	"higress.ai.jsonrpc.params":     map[string]any{"name": "maps_geo"},
	"higress.ai.jsonrpc.result":     map[string]any{"content": []any{}},
	// content
	"higress.ai.question":   "hi",
	"higress.ai.system":     "be nice",
	"higress.ai.answer":     "hello",
	"higress.ai.reasoning":  "think",
	"higress.ai.messages":   []any{map[string]any{"role": "user", "content": "hi"}},
	"higress.ai.tool_calls": []any{map[string]any{"id": "c1"}},
	// custom
	"higress.ai.custom.my_custom": map[string]any{"tier": "gold"},
}

// putAILogMap stores ai_log as the higresslog receiver does when it parses.
func putAILogMap(t testing.TB, attrs pcommon.Map, text string) {
	obj, ok := accesslog.ParseObject(text, false)
	require.True(t, ok)
	obj.MoveTo(attrs.PutEmptyMap(accesslog.AttrAILog))
}

// quoteJSON encodes s as a JSON string: ai_log "quoted twice".
func quoteJSON(t testing.TB, s string) string {
	b, err := json.Marshal(s)
	require.NoError(t, err)
	return string(b)
}

// newLogs makes one record whose attributes setup writes.
func newLogs(setup func(pcommon.Map)) plog.Logs {
	ld := plog.NewLogs()
	lr := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	setup(lr.Attributes())
	return ld
}

// run passes one record through a processor built by the factory and
// returns the record's attributes and the processor's telemetry.
func run(t *testing.T, cfg *Config, setup func(pcommon.Map)) (pcommon.Map, *componenttest.Telemetry) {
	t.Helper()
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	sink := new(consumertest.LogsSink)
	p, err := NewFactory().CreateLogs(context.Background(), metadatatest.NewSettings(tel), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, p.ConsumeLogs(context.Background(), newLogs(setup)))
	require.NoError(t, p.Shutdown(context.Background()))
	require.Len(t, sink.AllLogs(), 1)
	ld := sink.AllLogs()[0]
	require.Equal(t, 1, ld.LogRecordCount(), "a record is never dropped")
	return ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes(), tel
}

func defaultConfig() *Config {
	return createDefaultConfig().(*Config)
}
