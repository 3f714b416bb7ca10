package accesslog

import (
	"encoding/json"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// FuzzParseObject: ParseObject reads a string as encoding/json (UseNumber,
// the last of repeated keys, numbers by ParseNumber) would, unwrapping up
// to maxUnquote times.
func FuzzParseObject(f *testing.F) {
	for _, seed := range []string{
		`{"model":"qwen","input_token":"10","n":1.50,"b":[1,2.5,1e3,true,null,{}]}`,
		`"{\"model\":\"qwen\"}"`, `"\"{\\\"a\\\":1}\""`, `"\"\\\"{}\\\"\""`,
		`null`, `"null"`, `{}`, ` {"a":1} `, `{"a":1}}`, `{"a":1}{"b":2}`, `{"a":1,"a":2}`,
		`[1]`, `1`, `"x"`, ``, `{not json`, `{"big":1e400,"i":12345678901234567890,"z":-0.0}`,
		"{\"x\":\"\xff\",\"y\":\"\\ud800\"}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := ParseObject(s, false)
		want, wantOK := referenceObject(s)
		require.Equal(t, wantOK, ok, "%q", s)
		if ok {
			require.Equal(t, want, got.AsRaw(), "%q", s)
		}
	})
}

// referenceObject is encoding/json's reading of what ParseObject reads.
func referenceObject(s string) (map[string]any, bool) {
	for range maxUnquote {
		dec := json.NewDecoder(strings.NewReader(strings.TrimSpace(s)))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, false
		}
		switch x := v.(type) {
		case map[string]any:
			return referenceRaw(x).(map[string]any), true
		case nil:
			return map[string]any{}, true
		case string:
			s = x
		default:
			return nil, false
		}
	}
	return nil, false
}

func referenceRaw(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, ok := ParseNumber(x.String()); ok {
			return n.Raw()
		}
		return x.String()
	case map[string]any:
		for k, e := range x {
			x[k] = referenceRaw(e)
		}
	case []any:
		for i, e := range x {
			x[i] = referenceRaw(e)
		}
	}
	return v
}

func TestParseObjectHeaders(t *testing.T) {
	m, ok := ParseObject(`{"a":"b","n":1.50,"t":true,"o":{"k":1},"z":null}`, true)
	require.True(t, ok)
	assert.Equal(t, map[string]any{"a": "b", "n": "1.50", "t": "true", "o": `{"k":1}`}, m.AsRaw())
}

func TestParseNumber(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want any // int64, float64, or nil for not a number
	}{
		{"10", int64(10)}, {" 10 ", int64(10)}, {"10.0", int64(10)}, {"1e3", int64(1000)}, {"-0.0", int64(0)},
		{"0.5", 0.5}, {"1e19", 1e19}, {"12345678901234567890", 12345678901234567890.0},
		{"", nil}, {"abc", nil}, {"NaN", nil}, {"Inf", nil}, {"1e400", nil}, {"12ms", nil},
	} {
		n, ok := ParseNumber(tc.in)
		if tc.want == nil {
			assert.False(t, ok, "%q", tc.in)
			continue
		}
		assert.True(t, ok, "%q", tc.in)
		assert.Equal(t, tc.want, n.Raw(), "%q", tc.in)
	}
}

func TestNumberOf(t *testing.T) {
	for _, tc := range []struct {
		v    pcommon.Value
		want NumberState
	}{
		{pcommon.NewValueEmpty(), NoNumber}, {pcommon.NewValueStr("  "), NoNumber},
		{pcommon.NewValueInt(3), IsNumber}, {pcommon.NewValueDouble(2.5), IsNumber}, {pcommon.NewValueStr("7"), IsNumber},
		{pcommon.NewValueDouble(math.Inf(1)), NotANumber}, {pcommon.NewValueStr("x"), NotANumber},
		{pcommon.NewValueBool(true), NotANumber}, {pcommon.NewValueMap(), NotANumber},
	} {
		_, st := NumberOf(tc.v)
		assert.Equal(t, tc.want, st, tc.v.AsString())
	}
}
