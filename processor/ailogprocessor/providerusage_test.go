package ailogprocessor

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// ai-statistics writes cached_tokens / reasoning_tokens from OpenAI's usage
// names only; for other providers the counts are in the details objects
// under the names wasm-go's tokenusage gives them (pkg/tokenusage:
// Anthropic usage.cache_read_input_tokens → input_token_details
// cache_read_input_tokens; Gemini usageMetadata.cachedContentTokenCount and
// thoughtsTokenCount → cached_content_token_count, thoughts_token_count),
// written as JSON strings. They fill the columns; OpenAI's own names and
// ai_log's keys still win.
func TestProviderUsageNamesFillTheColumns(t *testing.T) {
	for _, tc := range []struct {
		name              string
		aiLog             string
		cached, reasoning any
	}{
		{
			name:   "Anthropic",
			aiLog:  `{"model":"claude-sonnet-4","cached_tokens":0,"input_token_details":"{\"cache_creation_input_tokens\":30,\"cache_read_input_tokens\":2048}","output_token_details":"{}"}`,
			cached: int64(2048),
		},
		{
			name:   "Gemini",
			aiLog:  `{"model":"gemini-2.5-pro","input_token_details":"{\"cached_content_token_count\":512,\"tool_use_prompt_token_count\":7}","output_token_details":"{\"thoughts_token_count\":300}"}`,
			cached: int64(512), reasoning: int64(300),
		},
		{
			name:   "OpenAI names first",
			aiLog:  `{"input_token_details":{"cached_tokens":5,"cache_read_input_tokens":9},"output_token_details":{"reasoning_tokens":6,"thoughts_token_count":8}}`,
			cached: int64(5), reasoning: int64(6),
		},
		{
			name:   "ai_log's own keys win",
			aiLog:  `{"cached_tokens":1,"reasoning_tokens":2,"input_token_details":"{\"cache_read_input_tokens\":9}","output_token_details":"{\"thoughts_token_count\":8}"}`,
			cached: int64(1), reasoning: int64(2),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			attrs, _ := run(t, defaultConfig(), func(m pcommon.Map) { m.PutStr(accesslog.AttrAILog, tc.aiLog) })
			raw := attrs.AsRaw()
			assert.Equal(t, tc.cached, raw[accesslog.AttrCachedTokens], "cached")
			assert.Equal(t, tc.reasoning, raw[accesslog.AttrReasoningTokens], "reasoning")
		})
	}
}
