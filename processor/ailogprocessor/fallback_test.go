package ailogprocessor

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
	"github.com/otelcol-higress/otelcol-higress/processor/ailogprocessor/internal/metadatatest"
)

// TestColumnFallbacks: docs/contract.md §3, one case per rule and its edges.
func TestColumnFallbacks(t *testing.T) {
	tests := []struct {
		name  string
		top   map[string]any // top-level attributes
		aiLog string         // "" for none
		want  map[string]any // column attributes afterwards (nil value: absent)
	}{
		{
			name:  "model from ai_log when top level absent",
			aiLog: `{"model":"qwen-max"}`,
			want:  map[string]any{accesslog.AttrModel: "qwen-max", accesslog.AttrResponseModel: "qwen-max"},
		},
		{
			name:  "model from ai_log when top level empty string",
			top:   map[string]any{accesslog.AttrModel: ""},
			aiLog: `{"model":"qwen-max"}`,
			want:  map[string]any{accesslog.AttrModel: "qwen-max"},
		},
		{
			name:  "top-level model wins",
			top:   map[string]any{accesslog.AttrModel: "gpt-4o"},
			aiLog: `{"model":"gpt-4o-2024-08-06"}`,
			want:  map[string]any{accesslog.AttrModel: "gpt-4o", accesslog.AttrResponseModel: "gpt-4o-2024-08-06"},
		},
		{
			name:  "unknown model is not a model",
			top:   map[string]any{accesslog.AttrModel: ""},
			aiLog: `{"model":"unknown"}`,
			want:  map[string]any{accesslog.AttrModel: "", accesslog.AttrResponseModel: nil},
		},
		{
			name: "upstream_cluster from service when top level empty",
			top:  map[string]any{accesslog.AttrUpstream: "", accesslog.AttrService: "llm-qwen.dns"},
			want: map[string]any{accesslog.AttrUpstream: "llm-qwen.dns"},
		},
		{
			name: "top-level upstream_cluster wins over service",
			top:  map[string]any{accesslog.AttrUpstream: "outbound|443||qwen", accesslog.AttrService: "llm-qwen.dns"},
			want: map[string]any{accesslog.AttrUpstream: "outbound|443||qwen"},
		},
		{
			name: "no service, no upstream_cluster",
			top:  map[string]any{accesslog.AttrService: ""},
			want: map[string]any{accesslog.AttrUpstream: nil},
		},
		{
			name:  "tokens from ai_log, total given",
			aiLog: `{"input_token":10,"output_token":"20","total_token":31}`,
			want:  map[string]any{accesslog.AttrInputTokens: int64(10), accesslog.AttrOutputTokens: int64(20), accesslog.AttrTotalTokens: int64(31)},
		},
		{
			name:  "total is input + output when absent everywhere",
			aiLog: `{"input_token":10,"output_token":20}`,
			want:  map[string]any{accesslog.AttrTotalTokens: int64(30)},
		},
		{
			name: "total from top-level input + output without ai_log",
			top:  map[string]any{accesslog.AttrInputTokens: int64(4), accesslog.AttrOutputTokens: int64(5)},
			want: map[string]any{accesslog.AttrTotalTokens: int64(9)},
		},
		{
			name:  "top-level tokens > 0 win",
			top:   map[string]any{accesslog.AttrInputTokens: int64(1), accesslog.AttrOutputTokens: int64(2), accesslog.AttrTotalTokens: int64(3)},
			aiLog: `{"input_token":10,"output_token":20,"total_token":30}`,
			want:  map[string]any{accesslog.AttrInputTokens: int64(1), accesslog.AttrOutputTokens: int64(2), accesslog.AttrTotalTokens: int64(3)},
		},
		{
			name:  "top-level 0 tokens are replaced",
			top:   map[string]any{accesslog.AttrInputTokens: int64(0), accesslog.AttrOutputTokens: int64(0), accesslog.AttrTotalTokens: int64(0)},
			aiLog: `{"input_token":10,"output_token":20}`,
			want:  map[string]any{accesslog.AttrInputTokens: int64(10), accesslog.AttrOutputTokens: int64(20), accesslog.AttrTotalTokens: int64(30)},
		},
		{
			name: "no usage anywhere: no token attributes",
			want: map[string]any{accesslog.AttrInputTokens: nil, accesslog.AttrOutputTokens: nil, accesslog.AttrTotalTokens: nil},
		},
		{
			name:  "non-numeric ai_log tokens do not fill columns",
			aiLog: `{"input_token":"n/a","output_token":""}`,
			want:  map[string]any{accesslog.AttrInputTokens: nil, accesslog.AttrOutputTokens: nil, accesslog.AttrTotalTokens: nil},
		},
		{
			name:  "consumer from ai_log",
			top:   map[string]any{accesslog.AttrConsumer: ""},
			aiLog: `{"consumer":"alice"}`,
			want:  map[string]any{accesslog.AttrConsumer: "alice", "higress.ai.consumer": "alice"},
		},
		{
			name:  "top-level consumer wins",
			top:   map[string]any{accesslog.AttrConsumer: "bob"},
			aiLog: `{"consumer":"alice"}`,
			want:  map[string]any{accesslog.AttrConsumer: "bob"},
		},
		{
			name:  "mcp_tool from ai_log.mcp_tool_name",
			top:   map[string]any{accesslog.AttrMCPTool: ""},
			aiLog: `{"mcp_tool_name":"maps_geo"}`,
			want:  map[string]any{accesslog.AttrMCPTool: "maps_geo"},
		},
		{
			name:  "top-level mcp_tool wins",
			top:   map[string]any{accesslog.AttrMCPTool: "search"},
			aiLog: `{"mcp_tool_name":"maps_geo"}`,
			want:  map[string]any{accesslog.AttrMCPTool: "search"},
		},
		{
			name: "mcp_server from path",
			top:  map[string]any{accesslog.AttrMCPServer: "", accesslog.AttrPath: "/mcp-servers/amap/sse?session=1"},
			want: map[string]any{accesslog.AttrMCPServer: "amap"},
		},
		{
			name: "top-level mcp_server wins",
			top:  map[string]any{accesslog.AttrMCPServer: "gaode", accesslog.AttrPath: "/mcp-servers/amap/sse"},
			want: map[string]any{accesslog.AttrMCPServer: "gaode"},
		},
		{
			name: "no mcp_server outside /mcp-servers/",
			top:  map[string]any{accesslog.AttrPath: "/v1/mcp-servers/amap/sse"},
			want: map[string]any{accesslog.AttrMCPServer: nil},
		},
		{
			name:  "empty ai_log strings are absent",
			top:   map[string]any{accesslog.AttrModel: "", accesslog.AttrConsumer: ""},
			aiLog: `{"model":"","consumer":"","mcp_tool_name":""}`,
			want:  map[string]any{accesslog.AttrModel: "", accesslog.AttrConsumer: "", accesslog.AttrMCPTool: nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attrs, _ := run(t, defaultConfig(), func(m pcommon.Map) {
				for k, v := range tt.top {
					assert.NoError(t, m.PutEmpty(k).FromRaw(v))
				}
				if tt.aiLog != "" {
					putAILogMap(t, m, tt.aiLog)
				}
			})
			raw := attrs.AsRaw()
			for k, want := range tt.want {
				got, ok := raw[k]
				if want == nil {
					assert.False(t, ok, "%s should be absent, got %v", k, got)
					continue
				}
				assert.Equal(t, want, got, k)
			}
		})
	}
}

func TestMCPServerFromPath(t *testing.T) {
	for path, want := range map[string]string{
		"/mcp-servers/amap/sse":          "amap",
		"/mcp-servers/amap/message?id=1": "amap",
		"/mcp-servers/amap":              "amap",
		"/mcp-servers/amap?x=1":          "amap",
		"/mcp-servers/":                  "",
		"/mcp-servers//sse":              "",
		"/mcp-servers":                   "",
		"/v1/chat/completions":           "",
		"":                               "",
	} {
		assert.Equal(t, want, mcpServerFromPath(path), path)
	}
}

// TestNonNumericCounted: a value that should be numeric but is not stays a
// string attribute, is counted by key, and the record is kept.
func TestNonNumericCounted(t *testing.T) {
	attrs, tel := run(t, defaultConfig(), func(m pcommon.Map) {
		putAILogMap(t, m, `{"llm_service_duration":"slow","chat_round":"first","input_token":"ten",
			"input_token_details":{"cached_tokens":"many","audio_tokens":1}}`)
	})
	raw := attrs.AsRaw()
	assert.Equal(t, "slow", raw["higress.ai.llm_service_duration_ms"])
	assert.Equal(t, "first", raw["higress.ai.chat_round"])
	assert.Equal(t, "many", raw["higress.ai.usage.input_token_details.cached_tokens"])
	assert.Equal(t, int64(1), raw["higress.ai.usage.input_token_details.audio_tokens"])
	assert.NotContains(t, raw, accesslog.AttrInputTokens, "a token column never holds text")

	metadatatest.AssertEqualProcessorAilogNonNumericValues(t, tel, []metricdata.DataPoint[int64]{
		{Value: 1, Attributes: attribute.NewSet(attribute.String("key", "llm_service_duration"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("key", "chat_round"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("key", "input_token"))},
		{Value: 1, Attributes: attribute.NewSet(attribute.String("key", "input_token_details"))},
	}, metricdatatest.IgnoreTimestamp())
}
