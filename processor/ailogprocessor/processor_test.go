package ailogprocessor

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// TestEveryKeyEveryEncoding: every docs/contract.md §2 key, ai_log as a map (the
// receiver parsed it), a JSON string, and a string quoted twice, gives the
// same attributes; the original is kept as a map with values as sent.
func TestEveryKeyEveryEncoding(t *testing.T) {
	encodings := map[string]func(pcommon.Map){
		"map":          func(m pcommon.Map) { putAILogMap(t, m, fullAILog) },
		"json_string":  func(m pcommon.Map) { m.PutStr(accesslog.AttrAILog, fullAILog) },
		"quoted_twice": func(m pcommon.Map) { m.PutStr(accesslog.AttrAILog, quoteJSON(t, fullAILog)) },
	}
	for name, put := range encodings {
		t.Run(name, func(t *testing.T) {
			attrs, _ := run(t, defaultConfig(), func(m pcommon.Map) {
				m.PutStr(accesslog.AttrPath, "/mcp-servers/amap/sse")
				put(m)
			})
			raw := attrs.AsRaw()
			for k, want := range fullExpected {
				assert.Equal(t, want, raw[k], k)
			}
			// Nothing unexpected: expected + path + the original ai_log.
			assert.Len(t, raw, len(fullExpected)+2)

			orig, ok := attrs.Get(accesslog.AttrAILog)
			require.True(t, ok)
			require.Equal(t, pcommon.ValueTypeMap, orig.Type(), "string forms are replaced by the parsed object")
			o := orig.Map().AsRaw()
			assert.Equal(t, "10", o["input_token"], "values as sent")
			assert.Equal(t, "reqeust deny", o["safecheck_status"], "typos kept")
			assert.Equal(t, `{"reasoning_tokens":5}`, o["output_token_details"])
		})
	}
}

// TestEveryTableKeyIsCovered keeps fullAILog in step with the table.
func TestEveryTableKeyIsCovered(t *testing.T) {
	obj, ok := accesslog.ParseObject(fullAILog, false)
	require.True(t, ok)
	for _, k := range accesslog.AILogKeys {
		assert.Contains(t, obj.AsRaw(), k.Key)
	}
}

// TestEmptyAndInvalidEncodings: no ai_log usage, the record kept untouched
// apart from column rules, the original value left as sent.
func TestEmptyAndInvalidEncodings(t *testing.T) {
	tests := []struct {
		name string
		put  func(pcommon.Map)
		// want is the ai_log attribute afterwards (nil: absent).
		want any
	}{
		{"empty_object_map", func(m pcommon.Map) { m.PutEmptyMap(accesslog.AttrAILog) }, map[string]any{}},
		{"empty_object_string", func(m pcommon.Map) { m.PutStr(accesslog.AttrAILog, "{}") }, map[string]any{}},
		{"null_string", func(m pcommon.Map) { m.PutStr(accesslog.AttrAILog, "null") }, map[string]any{}},
		{"null_value", func(m pcommon.Map) { m.PutEmpty(accesslog.AttrAILog) }, nil},
		{"absent", func(pcommon.Map) {}, nil},
		{"empty_string", func(m pcommon.Map) { m.PutStr(accesslog.AttrAILog, "") }, ""},
		{"invalid", func(m pcommon.Map) { m.PutStr(accesslog.AttrAILog, `{"model":`) }, `{"model":`},
		{"array", func(m pcommon.Map) { m.PutStr(accesslog.AttrAILog, `[1,2]`) }, `[1,2]`},
		{"number", func(m pcommon.Map) { m.PutInt(accesslog.AttrAILog, 3) }, int64(3)},
		{"quoted_invalid", func(m pcommon.Map) { m.PutStr(accesslog.AttrAILog, `"{oops"`) }, `"{oops"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attrs, _ := run(t, defaultConfig(), func(m pcommon.Map) {
				m.PutStr(accesslog.AttrMethod, "POST")
				tt.put(m)
			})
			raw := attrs.AsRaw()
			assert.Equal(t, tt.want, raw[accesslog.AttrAILog])
			delete(raw, accesslog.AttrAILog)
			assert.Equal(t, map[string]any{accesslog.AttrMethod: "POST"}, raw)
		})
	}
}

// TestNumbers: JSON numbers and numeric strings become ints, doubles where
// fractional; "" is absent; NaN/Inf and text are not numbers.
func TestNumbers(t *testing.T) {
	tests := []struct {
		in   any
		want any // nil: no attribute
		bad  bool
	}{
		{int64(850), int64(850), false},
		{"850", int64(850), false},
		{" 850 ", int64(850), false},
		{"850.0", int64(850), false},
		{"1e3", int64(1000), false},
		{850.0, int64(850), false},
		{"0.5", 0.5, false},
		{12.25, 12.25, false},
		{"-3", int64(-3), false},
		{"", nil, false},
		{"  ", nil, false},
		{"abc", "abc", true},
		{"NaN", "NaN", true},
		{"Inf", "Inf", true},
		{"12ms", "12ms", true},
		{true, "true", true},
	}
	for _, tt := range tests {
		attrs, tel := run(t, defaultConfig(), func(m pcommon.Map) {
			ai := m.PutEmptyMap(accesslog.AttrAILog)
			require.NoError(t, ai.PutEmpty("llm_service_duration").FromRaw(tt.in))
		})
		got, ok := attrs.Get("higress.ai.llm_service_duration_ms")
		if tt.want == nil {
			assert.False(t, ok, "%v", tt.in)
		} else {
			require.True(t, ok, "%v", tt.in)
			assert.Equal(t, tt.want, got.AsRaw(), "%v", tt.in)
		}
		m, err := tel.GetMetric("otelcol_processor_ailog_non_numeric_values")
		assert.Equal(t, tt.bad, err == nil, "%v counted: %v", tt.in, m)
	}
}
