package ailogprocessor

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// TestCachedAndReasoningTokens: the cached_tokens / reasoning_tokens
// columns come from ai_log's own keys or, lacking them, from the token
// details objects; numbers or numeric strings, details as an object or a
// JSON string, ai_log in every encoding.
func TestCachedAndReasoningTokens(t *testing.T) {
	tests := []struct {
		name              string
		aiLog             string
		top               map[string]any
		cached, reasoning any // nil: no attribute
	}{
		{name: "own keys, numbers", aiLog: `{"cached_tokens":80,"reasoning_tokens":500}`, cached: int64(80), reasoning: int64(500)},
		{name: "own keys, numeric strings", aiLog: `{"cached_tokens":"80","reasoning_tokens":"500"}`, cached: int64(80), reasoning: int64(500)},
		{
			name:   "details objects",
			aiLog:  `{"input_token_details":{"cached_tokens":120,"audio_tokens":0},"output_token_details":{"reasoning_tokens":"64"}}`,
			cached: int64(120), reasoning: int64(64),
		},
		{
			name:   "details as JSON strings (as ai-statistics writes them)",
			aiLog:  `{"reasoning_tokens":0,"cached_tokens":0,"input_token_details":"{\"cached_tokens\":120}","output_token_details":"{}"}`,
			cached: int64(120), reasoning: nil,
		},
		{
			name:   "own key wins over details, whatever the order",
			aiLog:  `{"input_token_details":{"cached_tokens":1},"cached_tokens":2,"output_token_details":"{\"reasoning_tokens\":3}","reasoning_tokens":4}`,
			cached: int64(2), reasoning: int64(4),
		},
		{
			name:   "top level wins over ai_log",
			aiLog:  `{"cached_tokens":2,"reasoning_tokens":4}`,
			top:    map[string]any{accesslog.AttrCachedTokens: 9, accesslog.AttrReasoningTokens: 8},
			cached: int64(9), reasoning: int64(8),
		},
		{
			name:   "a top-level 0 does not hide ai_log's count",
			aiLog:  `{"cached_tokens":2}`,
			top:    map[string]any{accesslog.AttrCachedTokens: 0},
			cached: int64(2),
		},
		{name: "zeros and blanks are absent", aiLog: `{"cached_tokens":0,"reasoning_tokens":"","input_token_details":{"cached_tokens":"0"}}`},
		{name: "not numbers", aiLog: `{"input_token_details":{"cached_tokens":"many"},"output_token_details":"[1]"}`},
	}
	for _, tt := range tests {
		for enc, put := range map[string]func(pcommon.Map){
			"map":          func(m pcommon.Map) { putAILogMap(t, m, tt.aiLog) },
			"json_string":  func(m pcommon.Map) { m.PutStr(accesslog.AttrAILog, tt.aiLog) },
			"quoted_twice": func(m pcommon.Map) { m.PutStr(accesslog.AttrAILog, quoteJSON(t, tt.aiLog)) },
		} {
			t.Run(tt.name+"/"+enc, func(t *testing.T) {
				attrs, _ := run(t, defaultConfig(), func(m pcommon.Map) {
					for k, v := range tt.top {
						m.PutInt(k, int64(v.(int)))
					}
					put(m)
				})
				raw := attrs.AsRaw()
				assert.Equal(t, tt.cached, raw[accesslog.AttrCachedTokens], "cached")
				assert.Equal(t, tt.reasoning, raw[accesslog.AttrReasoningTokens], "reasoning")
			})
		}
	}
}

// include/exclude choose flat attributes only: the columns are filled from
// the details objects even when those are not flattened.
func TestDetailsFillColumnsWhenExcluded(t *testing.T) {
	cfg := defaultConfig()
	cfg.Include = []string{"model"}
	attrs, _ := run(t, cfg, func(m pcommon.Map) {
		putAILogMap(t, m, `{"input_token_details":{"cached_tokens":7},"output_token_details":"{\"reasoning_tokens\":5}"}`)
	})
	raw := attrs.AsRaw()
	assert.Equal(t, int64(7), raw[accesslog.AttrCachedTokens])
	assert.Equal(t, int64(5), raw[accesslog.AttrReasoningTokens])
	assert.NotContains(t, raw, "higress.ai.usage.input_token_details.cached_tokens")
}

// Every ai_log key that fills a column, plus the details entries, fits the
// fixed fallback arrays.
func TestFallbackCapacity(t *testing.T) {
	var fb fallbacks
	n := 0
	for _, k := range accesslog.AILogKeys {
		if k.Column != "" {
			n++
		}
	}
	assert.LessOrEqual(t, n, len(fb.list))
	assert.LessOrEqual(t, len(accesslog.AILogDetails), len(fb.details))
}
