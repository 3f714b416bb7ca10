package higresslogreceiver

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// Every field of the table, sent with its documented JSON type, arrives as
// an attribute (or resource attribute) of the table's type and value.
func TestFullEntryCarriesEveryField(t *testing.T) {
	body := readTestdata(t, "full_entry.json")
	var sent map[string]any
	require.NoError(t, json.Unmarshal(body, &sent))

	ld, problems := mustBuild(t, string(body))
	require.Empty(t, problems)
	require.Equal(t, 1, ld.ResourceLogs().Len())
	res := ld.ResourceLogs().At(0).Resource().Attributes()
	lr := records(ld)[0]

	for _, f := range accesslog.Fields {
		t.Run(f.JSON, func(t *testing.T) {
			want, ok := sent[f.JSON]
			require.Truef(t, ok, "full_entry.json must carry %s", f.JSON)
			attrs := lr.Attributes()
			if f.Scope == accesslog.Resource {
				attrs = res
			}
			got, ok := attrs.Get(f.Attr)
			require.Truef(t, ok, "attribute %s missing", f.Attr)
			switch f.Kind {
			case accesslog.String, accesslog.Time:
				assert.Equal(t, pcommon.ValueTypeStr, got.Type())
				assert.Equal(t, want, got.Str())
			case accesslog.Int:
				assert.Equal(t, pcommon.ValueTypeInt, got.Type())
				assert.EqualValues(t, want, got.Int())
			case accesslog.Bool:
				assert.Equal(t, pcommon.ValueTypeBool, got.Type())
				assert.Equal(t, want, got.Bool())
			case accesslog.StringMap, accesslog.JSONObject:
				require.Equal(t, pcommon.ValueTypeMap, got.Type())
				wantJSON, _ := json.Marshal(want)
				gotJSON, _ := json.Marshal(got.Map().AsRaw())
				assert.JSONEq(t, string(wantJSON), string(gotJSON))
			}
		})
	}

	assert.Equal(t, time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC), lr.Timestamp().AsTime())
	assert.Equal(t, testNow, lr.ObservedTimestamp().AsTime())
	assert.Equal(t, "0af7651916cd43dd8448eb211c80319c", lr.TraceID().String())
	assert.Equal(t, "POST /v1/chat/completions 200", lr.Body().Str())
	assert.Equal(t, plog.SeverityNumberInfo, lr.SeverityNumber())
	assert.Equal(t, "higress-gateway", mustGet(t, res, accesslog.AttrServiceName).Str())
	assert.Len(t, attr(t, lr, accesslog.AttrRecordUID).Str(), 36)
}

func mustGet(t *testing.T, m pcommon.Map, key string) pcommon.Value {
	t.Helper()
	v, ok := m.Get(key)
	require.Truef(t, ok, "%s missing", key)
	return v
}

func TestValueCoercion(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		key   string
		check func(t *testing.T, v pcommon.Value)
	}{
		{"int as string", `{"response_code":"404"}`, accesslog.AttrResponseCode, isInt(404)},
		{"int as padded string", `{"bytes_sent":" 12 "}`, "http.response.body.size", isInt(12)},
		{"int written as float", `{"duration":12.0}`, "higress.duration_ms", isInt(12)},
		{"int as exponent", `{"duration":1e3}`, "higress.duration_ms", isInt(1000)},
		{"int not numeric kept as text", `{"duration":"fast"}`, "higress.duration_ms", isStr("fast")},
		{"fractional int kept as text", `{"duration":"1.5"}`, "higress.duration_ms", isStr("1.5")},
		{"string sent as number", `{"upstream_service_time":940}`, "higress.upstream.service_time", isStr("940")},
		{"string sent as bool", `{"route_name":true}`, "higress.route_name", isStr("true")},
		{"string sent as object", `{"api":{"a":1}}`, "higress.api", isStr(`{"a":1}`)},
		{"bool as string", `{"resp_body_truncated":"true"}`, "higress.response.body_truncated", isBool(true)},
		{"bool as number", `{"resp_body_truncated":1}`, "higress.response.body_truncated", isBool(true)},
		{"headers with non-string values", `{"req_headers":{"x-n":5,"x-b":true}}`, "higress.request.headers", func(t *testing.T, v pcommon.Value) {
			assert.Equal(t, map[string]any{"x-n": "5", "x-b": "true"}, v.Map().AsRaw())
		}},
		{"headers as JSON string", `{"resp_headers":"{\":status\":\"200\"}"}`, "higress.response.headers", func(t *testing.T, v pcommon.Value) {
			assert.Equal(t, map[string]any{":status": "200"}, v.Map().AsRaw())
		}},
		{"empty string kept as sent", `{"model":""}`, accesslog.AttrModel, isStr("")},
		{"unknown field kept", `{"new_field":{"x":[1,"a"]}}`, accesslog.AttrExtraPrefix + "new_field", func(t *testing.T, v pcommon.Value) {
			assert.Equal(t, map[string]any{"x": []any{int64(1), "a"}}, v.Map().AsRaw())
		}},
		{"unknown scalar kept", `{"tenant":"acme"}`, accesslog.AttrExtraPrefix + "tenant", isStr("acme")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, attr(t, onlyRecord(t, tt.body), tt.key))
		})
	}
}

func TestNullFieldsAreAbsent(t *testing.T) {
	lr := onlyRecord(t, `{"trace_id":null,"method":"GET"}`)
	_, ok := lr.Attributes().Get(accesslog.AttrTraceID)
	assert.False(t, ok)
}

func TestAILogEncodings(t *testing.T) {
	obj := map[string]any{"model": "qwen", "input_token": "10", "safecheck_status": "reqeust deny"}
	tests := []struct {
		name string
		body string
		want any // map for parsed, string for raw
	}{
		{"object", `{"ai_log":{"model":"qwen","input_token":"10","safecheck_status":"reqeust deny"}}`, obj},
		{"JSON-encoded string", `{"ai_log":"{\"model\":\"qwen\",\"input_token\":\"10\",\"safecheck_status\":\"reqeust deny\"}"}`, obj},
		{"quoted twice", `{"ai_log":"\"{\\\"model\\\":\\\"qwen\\\",\\\"input_token\\\":\\\"10\\\",\\\"safecheck_status\\\":\\\"reqeust deny\\\"}\""}`, obj},
		{"empty object", `{"ai_log":{}}`, map[string]any{}},
		{"empty object as string", `{"ai_log":"{}"}`, map[string]any{}},
		{"null as string", `{"ai_log":"null"}`, map[string]any{}},
		{"invalid string kept raw", `{"ai_log":"{not json"}`, "{not json"},
		{"number kept as text", `{"ai_log":42}`, "42"},
		{"nested values typed", `{"ai_log":{"n":1,"f":1.5,"b":true,"a":[1],"o":{"k":"v"},"z":null}}`,
			map[string]any{"n": int64(1), "f": 1.5, "b": true, "a": []any{int64(1)}, "o": map[string]any{"k": "v"}, "z": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := attr(t, onlyRecord(t, tt.body), accesslog.AttrAILog)
			switch want := tt.want.(type) {
			case string:
				assert.Equal(t, want, v.Str())
			default:
				require.Equal(t, pcommon.ValueTypeMap, v.Type())
				assert.Equal(t, want, v.Map().AsRaw())
			}
		})
	}

	t.Run("null object omitted", func(t *testing.T) {
		lr := onlyRecord(t, `{"ai_log":null}`)
		_, ok := lr.Attributes().Get(accesslog.AttrAILog)
		assert.False(t, ok)
	})
}

func TestStartTime(t *testing.T) {
	want := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		val  string
		want time.Time
	}{
		{"RFC3339 Z", `"2026-11-20T02:00:00Z"`, want},
		{"RFC3339 offset", `"2026-11-20T10:00:00+08:00"`, want},
		{"RFC3339 negative offset", `"2026-11-19T21:00:00-05:00"`, want},
		{"RFC3339Nano", `"2026-11-20T02:00:00.123456789Z"`, want.Add(123456789)},
		{"millis fraction", `"2026-11-20T10:00:00.5+08:00"`, want.Add(500 * time.Millisecond)},
		{"space separated", `"2026-11-20 02:00:00"`, want},
		{"zoneless taken as UTC", `"2026-11-20T02:00:00"`, want},
		{"epoch seconds", `1795140000`, want},
		{"epoch seconds string", `"1795140000"`, want},
		{"epoch millis", `1795140000000`, want},
		{"epoch millis string", `"1795140000250"`, want.Add(250 * time.Millisecond)},
		{"epoch micros", `1795140000000000`, want},
		{"invalid falls back to receive time", `"yesterday"`, testNow},
		{"empty falls back", `""`, testNow},
		{"negative falls back", `-5`, testNow},
		{"object falls back", `{}`, testNow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lr := onlyRecord(t, `{"start_time":`+tt.val+`}`)
			assert.Equal(t, tt.want.UTC(), lr.Timestamp().AsTime())
		})
	}
	t.Run("missing falls back", func(t *testing.T) {
		assert.Equal(t, testNow, onlyRecord(t, `{"method":"GET"}`).Timestamp().AsTime())
	})
}

func TestTraceID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0af7651916cd43dd8448eb211c80319c", "0af7651916cd43dd8448eb211c80319c"},
		{"0AF7651916CD43DD8448EB211C80319C", "0af7651916cd43dd8448eb211c80319c"},
		{"8448eb211c80319c", "00000000000000008448eb211c80319c"},
		{"not-a-trace-id", ""},
		{"00000000000000000000000000000000", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			lr := onlyRecord(t, `{"trace_id":"`+tt.in+`"}`)
			if tt.want == "" {
				assert.True(t, lr.TraceID().IsEmpty())
				return
			}
			assert.Equal(t, tt.want, lr.TraceID().String())
		})
	}
}

func TestSeverityAndBody(t *testing.T) {
	tests := []struct {
		body     string
		severity plog.SeverityNumber
		summary  string
	}{
		{`{"method":"GET","path":"/a?token=secret","response_code":503}`, plog.SeverityNumberError, "GET /a 503"},
		{`{"method":"POST","path":"/mcp-servers/w/sse","response_code":404}`, plog.SeverityNumberWarn, "POST /mcp-servers/w/sse 404"},
		{`{"method":"GET","path":"/","response_code":200}`, plog.SeverityNumberInfo, "GET / 200"},
		{`{"path":"/x"}`, plog.SeverityNumberInfo, "/x"},
	}
	for _, tt := range tests {
		t.Run(tt.summary, func(t *testing.T) {
			lr := onlyRecord(t, tt.body)
			assert.Equal(t, tt.severity, lr.SeverityNumber())
			assert.Equal(t, tt.severity.String(), lr.SeverityText())
			assert.Equal(t, tt.summary, lr.Body().Str())
		})
	}
}

func TestRecordsGroupedByInstance(t *testing.T) {
	ld, _ := mustBuild(t, `[{"instance_id":"a","request_id":"1"},{"instance_id":"b","request_id":"2"},{"instance_id":"a","request_id":"3"},{"request_id":"4"}]`)
	require.Equal(t, 3, ld.ResourceLogs().Len())
	byInstance := map[string]int{}
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		rl := ld.ResourceLogs().At(i)
		id := ""
		if v, ok := rl.Resource().Attributes().Get(accesslog.AttrInstanceID); ok {
			id = v.Str()
		}
		byInstance[id] = rl.ScopeLogs().At(0).LogRecords().Len()
	}
	assert.Equal(t, map[string]int{"a": 2, "b": 1, "": 1}, byInstance)
}

func TestRecordUIDsAreUnique(t *testing.T) {
	ld, _ := mustBuild(t, `{"request_id":"same"}{"request_id":"same"}`)
	recs := records(ld)
	require.Len(t, recs, 2)
	assert.NotEqual(t, attr(t, recs[0], accesslog.AttrRecordUID).Str(), attr(t, recs[1], accesslog.AttrRecordUID).Str())
}

func isInt(want int64) func(*testing.T, pcommon.Value) {
	return func(t *testing.T, v pcommon.Value) {
		require.Equal(t, pcommon.ValueTypeInt, v.Type(), v.AsString())
		assert.Equal(t, want, v.Int())
	}
}

func isStr(want string) func(*testing.T, pcommon.Value) {
	return func(t *testing.T, v pcommon.Value) {
		require.Equal(t, pcommon.ValueTypeStr, v.Type(), v.AsString())
		assert.Equal(t, want, v.Str())
	}
}

func isBool(want bool) func(*testing.T, pcommon.Value) {
	return func(t *testing.T, v pcommon.Value) {
		require.Equal(t, pcommon.ValueTypeBool, v.Type(), v.AsString())
		assert.Equal(t, want, v.Bool())
	}
}

// TestRecordKeysAreDistinct: fillRecord builds attributes without
// pdata's check for a repeated key, so no two keys it puts may be equal.
func TestRecordKeysAreDistinct(t *testing.T) {
	seen := map[string]bool{accesslog.AttrRecordUID: true}
	for _, f := range accesslog.Fields {
		if f.Scope == accesslog.Resource {
			continue
		}
		require.Falsef(t, seen[f.Attr], "attribute %q is put twice", f.Attr)
		require.Falsef(t, strings.HasPrefix(f.Attr, accesslog.AttrExtraPrefix), "field attribute %q looks like an extra", f.Attr)
		seen[f.Attr] = true
	}
	// Every field set, duplicates in the body, and extras: each key once.
	lr := onlyRecord(t, strings.Replace(string(readTestdata(t, "full_entry.json")), "{",
		`{"method":"GET","extra_a":1,"extra_b":{"x":[1]},"log.record.uid":"x","extra_a":2,`, 1))
	keys := map[string]int{}
	for k := range lr.Attributes().All() {
		keys[k]++
	}
	for k, n := range keys {
		assert.Equalf(t, 1, n, "key %q", k)
	}
	assert.Equal(t, int64(2), attr(t, lr, accesslog.AttrExtraPrefix+"extra_a").Int())
	assert.Equal(t, "POST", attr(t, lr, accesslog.AttrMethod).Str(), "the last of repeated keys wins")
}
