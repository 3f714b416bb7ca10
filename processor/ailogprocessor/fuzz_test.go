package ailogprocessor

import (
	"context"
	"math"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
	"github.com/otelcol-higress/otelcol-higress/processor/ailogprocessor/internal/metadata"
)

// FuzzAILog feeds arbitrary ai_log strings (the encoding senders may use)
// through the processor. Its seeds run in every `go test`; `make fuzz`
// explores further. Invariants: no panic, the record is kept, a string
// that decodes to an object becomes a map, anything else stays as sent,
// the token columns only ever hold numbers, and a cost is a finite
// non-negative double.
func FuzzAILog(f *testing.F) {
	for _, seed := range []string{
		fullAILog,
		`{}`, `null`, ``, ` `, `"null"`, `[]`, `1`, `{"model":`, `"{oops"`,
		`{"input_token":"10","output_token":"x","total_token":""}`,
		`"{\"model\":\"qwen\",\"input_token\":\"7\"}"`,
		`"\"{\\\"model\\\":\\\"deep\\\"}\""`,
		`{"input_token_details":"{\"cached_tokens\":\"1\"}","output_token_details":[1]}`,
		`{"model":"gpt-4o","input_token":"5","cached_tokens":"9","output_token_details":{"reasoning_tokens":"2"}}`,
		`{"input_token":1e400,"output_token":-0.0,"llm_service_duration":"NaN"}`,
		`{"model":"unknown","consumer":7,"mcp_tool_name":{"a":1},"jsonrpc_id":null}`,
		`{"question":"\ud800","answer":"` + "\xff\xfe" + `"}`,
	} {
		f.Add(seed, "/mcp-servers/amap/sse", 8)
	}
	f.Add(`{"answer":"abcdef"}`, "/v1/chat", 0)

	f.Fuzz(func(t *testing.T, aiLog, path string, maxBytes int) {
		cfg := defaultConfig()
		cfg.Pricing = testPrices()
		cfg.Pricing.Models = append(cfg.Pricing.Models, ModelPrice{Model: "*", InputPerMillion: 1e6, OutputPerMillion: 3})
		if maxBytes > 0 {
			cfg.Content.Action = ContentTruncate
			cfg.Content.MaxBytes = maxBytes % 4096
			if cfg.Content.MaxBytes == 0 {
				cfg.Content.MaxBytes = 1
			}
		}
		p, err := newAILogProcessor(processortest.NewNopSettings(metadata.Type), cfg)
		if err != nil {
			t.Fatal(err)
		}
		ld := newLogs(func(m pcommon.Map) {
			m.PutStr(accesslog.AttrPath, path)
			m.PutStr(accesslog.AttrAILog, aiLog)
		})
		out, err := p.processLogs(context.Background(), ld)
		if err != nil || out.LogRecordCount() != 1 {
			t.Fatalf("record lost: %v", err)
		}
		attrs := out.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes()

		v, _ := attrs.Get(accesslog.AttrAILog)
		if _, isObj := accesslog.ParseObject(aiLog, false); isObj { // FuzzParseObject checks it against encoding/json
			if v.Type() != pcommon.ValueTypeMap {
				t.Fatalf("object ai_log not parsed: %s", v.Type())
			}
		} else if v.Type() != pcommon.ValueTypeStr || v.Str() != aiLog {
			t.Fatalf("invalid ai_log changed: %q", v.AsString())
		}
		for _, col := range []string{accesslog.AttrInputTokens, accesslog.AttrOutputTokens, accesslog.AttrTotalTokens,
			accesslog.AttrCachedTokens, accesslog.AttrReasoningTokens} {
			if c, ok := attrs.Get(col); ok && c.Type() != pcommon.ValueTypeInt && c.Type() != pcommon.ValueTypeDouble {
				t.Fatalf("%s holds %s", col, c.Type())
			}
		}
		if c, ok := attrs.Get(accesslog.AttrCost); ok {
			if c.Type() != pcommon.ValueTypeDouble || !(c.Double() >= 0) || math.IsInf(c.Double(), 0) {
				t.Fatalf("cost %v", c.AsRaw())
			}
		}
	})
}
