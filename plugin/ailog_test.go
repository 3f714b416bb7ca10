package main

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/higress-group/wasm-go/pkg/wrapper"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// aiStatisticsLog is ai_log as ai-statistics writes it
// (plugins/wasm-go/extensions/ai-statistics in alibaba/higress, through
// wasm-go's WriteUserAttributeToLogWithKey): the user attributes, a Go map,
// json.Marshal-ed (keys sorted, numbers as JSON numbers), then escaped by
// wrapper.MarshalStr to sit inside a quoted access-log field.
func aiStatisticsLog(t testing.TB, attrs map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(attrs)
	require.NoError(t, err)
	return []byte(wrapper.MarshalStr(string(b)))
}

// llmUsage is what ai-statistics writes for a streamed chat completion on a
// route that is not a HiMarket API ("api" is "-", getAPIName), with its
// default attributes: token counts as numbers, the token-details maps as
// JSON strings (it formats map[string]int64 values with json.Marshal),
// durations in ms.
func llmUsage() map[string]any {
	return map[string]any{
		"api": "-", "model": "qwen-max-latest", "response_type": "stream", "chat_id": "chatcmpl-1",
		"input_token": 1200, "output_token": 345, "total_token": 1545, "reasoning_tokens": 0, "cached_tokens": 1024,
		"input_token_details": `{"cached_tokens":1024}`, "output_token_details": `{"reasoning_tokens":0}`,
		"llm_first_token_duration": 120, "llm_service_duration": 1850, "chat_round": 3,
	}
}

func decodeObject(t testing.TB, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m), "%.200s", b)
	return m
}

func TestAILogAsAIStatisticsWritesIt(t *testing.T) {
	attrs := llmUsage()
	attrs["question"] = `Why <b>"gateways"</b> & logs? 日本語 🚀` + "\n\ttabs"
	out, cut := shapeAILog(aiStatisticsLog(t, attrs), defaultAILogMaxBytes)
	assert.False(t, cut)
	want, _ := json.Marshal(attrs)
	assert.JSONEq(t, string(want), string(out))
}

func TestAILogForms(t *testing.T) {
	for name, tc := range map[string]struct {
		raw, want string
	}{
		"escaped":        {`{\"model\":\"m\",\"input_token\":\"1\"}`, `{"model":"m","input_token":"1"}`},
		"plain":          {`{"model":"m","input_token":"1"}`, `{"model":"m","input_token":"1"}`},
		"quoted twice":   {`\"{\\\"model\\\":\\\"m\\\"}\"`, `"{\"model\":\"m\"}"`},
		"empty object":   {`{}`, `{}`},
		"a number":       {`42`, `42`},
		"not JSON":       {`not json {`, `"not json {"`},
		"bad escape":     {`{\"a\":\x}`, `"{\\\"a\\\":\\x}"`},
		"surrogate pair": {`{\"e\":\"\\ud83d\\ude80 \ud83d\ude80\"}`, `{"e":"\ud83d\ude80 🚀"}`},
	} {
		t.Run(name, func(t *testing.T) {
			out, cut := shapeAILog([]byte(tc.raw), 1024)
			assert.False(t, cut)
			assert.JSONEq(t, tc.want, string(out))
		})
	}
}

// An ai_log of 12 MB (ai-statistics with use_default_attributes keeps values
// up to 10 MB) becomes at most ai_log_max_bytes: every small key whole, the
// conversation cut and marked, never decoded whole.
func TestAILogOf12MBIsCapped(t *testing.T) {
	attrs := llmUsage()
	attrs["question"] = strings.Repeat(`What is a "gateway" <for> & ? `, 3<<20/30)
	attrs["answer"] = strings.Repeat("A gateway routes & logs. ", 5<<20/25)
	attrs["messages"] = []any{map[string]any{"role": "user", "content": strings.Repeat("x", 4<<20)}}
	raw := aiStatisticsLog(t, attrs)
	require.Greater(t, len(raw), 12<<20)

	const max = 64 << 10
	out, cut := shapeAILog(raw, max)
	assert.True(t, cut)
	assert.LessOrEqual(t, len(out), max)
	got := decodeObject(t, out)
	for k, v := range llmUsage() {
		assert.EqualValues(t, jsonValue(t, v), got[k], k)
	}
	assert.NotContains(t, got, "messages", "an array does not fit and cannot be cut")
	q, ok := got["question"].(string)
	require.True(t, ok, "the smaller of the two long strings is kept cut")
	assert.True(t, strings.HasSuffix(q, truncatedMark))
	assert.Greater(t, len(q), max/2)
	assert.True(t, strings.HasPrefix(attrs["question"].(string), strings.TrimSuffix(q, truncatedMark)))
	assert.NotContains(t, got, "answer", "no room left for the other")

	// Bounded memory: what it allocates is about the output, whatever the
	// input's size (the 12 MB are the host's copy, read once).
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	shapeAILog(raw, max)
	runtime.ReadMemStats(&after)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(4*max))
}

// Escapes make the escaped form longer than the JSON: a value that fits
// once decoded is not cut.
func TestAILogFitsOnceDecoded(t *testing.T) {
	tags := make([]string, 400)
	for i := range tags {
		tags[i] = "ab"
	}
	attrs := map[string]any{"model": "m", "tags": tags}
	raw := aiStatisticsLog(t, attrs)
	decoded, _ := json.Marshal(attrs)
	require.Greater(t, len(raw), 2100)
	require.Less(t, len(decoded), 2100)
	out, cut := shapeAILog(raw, 2100)
	assert.False(t, cut)
	assert.JSONEq(t, string(decoded), string(out))
}

// A cut never splits a character or an escape sequence.
func TestAILogCutKeepsCharactersWhole(t *testing.T) {
	for _, s := range []string{strings.Repeat("日本語", 2000), strings.Repeat(`\"`, 3000), strings.Repeat("🚀a", 1500), strings.Repeat("\u2028", 3000)} {
		for max := 1024; max < 1100; max++ {
			out, cut := shapeAILog(aiStatisticsLog(t, map[string]any{"model": "m", "answer": s}), max)
			require.True(t, cut)
			require.LessOrEqual(t, len(out), max)
			require.True(t, utf8.Valid(out))
			got := decodeObject(t, out)
			a := strings.TrimSuffix(got["answer"].(string), truncatedMark)
			require.True(t, strings.HasPrefix(s, a), "max %d", max)
			require.Equal(t, "m", got["model"])
		}
	}
}

// hasDuplicateKeys says whether a top-level key of the object in raw
// (escaped or not) appears twice.
func hasDuplicateKeys(raw []byte) bool {
	for _, escaped := range []bool{false, true} {
		ms, ok := scanMembers(raw, escaped)
		if !ok {
			continue
		}
		seen := map[string]bool{}
		for _, m := range ms {
			k, _, _ := decodeLimited(nil, raw[m.start:m.valStart], escaped, m.keySize)
			var name string
			_ = json.Unmarshal([]byte(strings.TrimRight(strings.TrimSpace(string(k)), ":")), &name)
			if seen[name] {
				return true
			}
			seen[name] = true
		}
	}
	return false
}

func jsonValue(t testing.TB, v any) any {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

// FuzzShapeAILog: whatever the filter state holds, the entry gets valid
// JSON of at most max bytes; ai_log as ai-statistics writes it comes out
// as the object, or, when cut, as members of it (strings possibly cut).
func FuzzShapeAILog(f *testing.F) {
	for _, seed := range []string{
		`{"model":"m","input_token":12}`, `{"a":"\u003c\\\"","b":[1,{"c":null}],"d":true}`,
		`{"q":"` + strings.Repeat("日本", 300) + `","n":1}`, `"s"`, `[1,2]`, `{}`, `{"a":"\ud800"}`,
	} {
		f.Add([]byte(wrapper.MarshalStr(seed)), uint16(200))
		f.Add([]byte(seed), uint16(100))
	}
	f.Add([]byte(`{\"a\":\x}`), uint16(64))
	f.Fuzz(func(t *testing.T, raw []byte, maxSeed uint16) {
		max := int(maxSeed)%4096 + 64
		out, cut := shapeAILog(raw, max)
		if len(raw) == 0 {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("not JSON: %q", out)
		}
		if len(out) > max {
			t.Fatalf("%d bytes over %d", len(out), max)
		}
		var src map[string]any
		if json.Unmarshal(raw, &src) != nil {
			var s string
			if json.Unmarshal([]byte(`"`+string(raw)+`"`), &s) != nil || json.Unmarshal([]byte(s), &src) != nil {
				return
			}
		}
		if hasDuplicateKeys(raw) {
			return // which of two equal keys is kept is not defined
		}
		var got map[string]any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("an object became %q", out)
		}
		for k, v := range got {
			orig, ok := src[k]
			if !ok {
				t.Fatalf("key %q not in the source", k)
			}
			if cs, isStr := v.(string); cut && isStr && strings.HasSuffix(cs, truncatedMark) {
				if os, _ := orig.(string); strings.HasPrefix(os, strings.TrimSuffix(cs, truncatedMark)) {
					continue
				}
			}
			a, _ := json.Marshal(v)
			b, _ := json.Marshal(orig)
			if string(a) != string(b) {
				t.Fatalf("%q: %s, source %s", k, a, b)
			}
		}
		if !cut && len(got) != len(src) {
			t.Fatalf("uncut but %d of %d members", len(got), len(src))
		}
	})
}
