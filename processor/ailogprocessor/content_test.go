package ailogprocessor

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

func TestContentPolicy(t *testing.T) {
	const aiLog = `{"model":"m","question":"héllo wörld","answer":"short",
		"messages":[{"role":"user","content":"a long enough message"}],"mcp_tool_response":{"big":"payload"}}`

	t.Run("keep", func(t *testing.T) {
		attrs, _ := run(t, defaultConfig(), func(m pcommon.Map) { putAILogMap(t, m, aiLog) })
		raw := attrs.AsRaw()
		assert.Equal(t, "héllo wörld", raw["higress.ai.question"])
		assert.Equal(t, "héllo wörld", raw[accesslog.AttrAILog].(map[string]any)["question"])
	})

	t.Run("drop", func(t *testing.T) {
		cfg := defaultConfig()
		cfg.Content.Action = ContentDrop
		attrs, _ := run(t, cfg, func(m pcommon.Map) { putAILogMap(t, m, aiLog) })
		raw := attrs.AsRaw()
		for _, k := range []string{"higress.ai.question", "higress.ai.answer", "higress.ai.messages", accesslog.AttrToolCallResult} {
			assert.NotContains(t, raw, k)
		}
		assert.Equal(t, map[string]any{"model": "m"}, raw[accesslog.AttrAILog], "dropped from the kept ai_log too")
		assert.Equal(t, "m", raw[accesslog.AttrResponseModel])
	})

	t.Run("truncate", func(t *testing.T) {
		cfg := defaultConfig()
		cfg.Content.Action = ContentTruncate
		cfg.Content.MaxBytes = 2 // cuts inside "é": must back off to "h"
		attrs, _ := run(t, cfg, func(m pcommon.Map) { putAILogMap(t, m, aiLog) })
		raw := attrs.AsRaw()
		orig := raw[accesslog.AttrAILog].(map[string]any)
		assert.Equal(t, "h[truncated]", raw["higress.ai.question"])
		assert.Equal(t, "h[truncated]", orig["question"])
		assert.Equal(t, "sh[truncated]", orig["answer"])
		assert.Equal(t, `[{[truncated]`, orig["messages"], "arrays are cut as JSON text")
		assert.Equal(t, `{"[truncated]`, raw[accesslog.AttrToolCallResult])
		assert.Equal(t, "m", orig["model"], "other keys untouched")
	})

	t.Run("truncate_short_values_untouched", func(t *testing.T) {
		cfg := defaultConfig()
		cfg.Content.Action = ContentTruncate
		cfg.Content.MaxBytes = 1000
		attrs, _ := run(t, cfg, func(m pcommon.Map) { putAILogMap(t, m, aiLog) })
		raw := attrs.AsRaw()
		assert.Equal(t, []any{map[string]any{"role": "user", "content": "a long enough message"}}, raw["higress.ai.messages"])
	})

	t.Run("custom_content_keys", func(t *testing.T) {
		cfg := defaultConfig()
		cfg.Content.Action = ContentDrop
		cfg.Content.Keys = []string{"answer", "my_prompt"}
		attrs, _ := run(t, cfg, func(m pcommon.Map) { putAILogMap(t, m, `{"question":"q","answer":"a","my_prompt":"p"}`) })
		raw := attrs.AsRaw()
		assert.Equal(t, map[string]any{"question": "q"}, raw[accesslog.AttrAILog])
		assert.Equal(t, "q", raw["higress.ai.question"])
	})
}

func TestIncludeExclude(t *testing.T) {
	const aiLog = `{"model":"m","input_token":1,"output_token":2,"api":"a@b@c","cache_status":"hit","my_custom":"x"}`

	cfg := defaultConfig()
	cfg.Include = []string{"model", "my_custom"}
	attrs, _ := run(t, cfg, func(m pcommon.Map) { putAILogMap(t, m, aiLog) })
	raw := attrs.AsRaw()
	assert.Equal(t, "m", raw[accesslog.AttrResponseModel])
	assert.Equal(t, "x", raw["higress.ai.custom.my_custom"])
	assert.NotContains(t, raw, "higress.ai.api")
	assert.NotContains(t, raw, "higress.ai.cache_status")
	// Column fallbacks do not depend on include/exclude: the exporter needs them.
	assert.Equal(t, int64(1), raw[accesslog.AttrInputTokens])
	assert.Equal(t, int64(3), raw[accesslog.AttrTotalTokens])

	cfg = defaultConfig()
	cfg.Exclude = []string{"model", "my_custom"}
	attrs, _ = run(t, cfg, func(m pcommon.Map) { putAILogMap(t, m, aiLog) })
	raw = attrs.AsRaw()
	assert.NotContains(t, raw, accesslog.AttrResponseModel)
	assert.NotContains(t, raw, "higress.ai.custom.my_custom")
	assert.Equal(t, "m", raw[accesslog.AttrModel], "model column still filled")
	assert.Equal(t, "hit", raw["higress.ai.cache_status"])
}

func TestKeepOriginalFalseAndOtherAttribute(t *testing.T) {
	cfg := defaultConfig()
	cfg.KeepOriginal = false
	cfg.FromAttribute = "ai_log"
	attrs, _ := run(t, cfg, func(m pcommon.Map) {
		m.PutStr("ai_log", `{"model":"m","input_token":"5"}`)
	})
	assert.Equal(t, map[string]any{
		accesslog.AttrResponseModel: "m",
		accesslog.AttrModel:         "m",
		accesslog.AttrInputTokens:   int64(5),
		accesslog.AttrTotalTokens:   int64(5),
	}, attrs.AsRaw())
}

// TestOneMiBAILog: a whole conversation in ai_log (1 MiB answer) is kept
// intact by default, and cut to size by truncate, in every encoding.
func TestOneMiBAILog(t *testing.T) {
	answer := strings.Repeat("答案 answer ", (1<<20)/len("答案 answer ")+1)
	require.GreaterOrEqual(t, len(answer), 1<<20)
	text := `{"model":"qwen-max","input_token":12,"output_token":"300000","answer":` + quoteJSON(t, answer) + `}`

	for name, put := range map[string]func(pcommon.Map){
		"map":          func(m pcommon.Map) { putAILogMap(t, m, text) },
		"json_string":  func(m pcommon.Map) { m.PutStr(accesslog.AttrAILog, text) },
		"quoted_twice": func(m pcommon.Map) { m.PutStr(accesslog.AttrAILog, quoteJSON(t, text)) },
	} {
		t.Run(name+"/keep", func(t *testing.T) {
			attrs, _ := run(t, defaultConfig(), put)
			raw := attrs.AsRaw()
			assert.Equal(t, answer, raw["higress.ai.answer"])
			assert.Equal(t, answer, raw[accesslog.AttrAILog].(map[string]any)["answer"])
			assert.Equal(t, int64(300012), raw[accesslog.AttrTotalTokens])
		})
		t.Run(name+"/truncate", func(t *testing.T) {
			cfg := defaultConfig()
			cfg.Content.Action = ContentTruncate
			cfg.Content.MaxBytes = 64 << 10
			attrs, _ := run(t, cfg, put)
			raw := attrs.AsRaw()
			got := raw[accesslog.AttrAILog].(map[string]any)["answer"].(string)
			assert.LessOrEqual(t, len(got), 64<<10+len(truncatedMark))
			assert.True(t, strings.HasSuffix(got, truncatedMark))
			assert.True(t, utf8.ValidString(got))
			assert.Equal(t, got, raw["higress.ai.answer"])
		})
	}
}
