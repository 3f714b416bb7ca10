package mysqlaccesslogexporter

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"regexp"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// legacyAILogJSON is aiLogJSON as it was before jsonWriter: through
// AsRaw and encoding/json. The writer must give the same text.
func legacyAILogJSON(v pcommon.Value) string {
	if v.Type() != pcommon.ValueTypeMap {
		return aiLogJSON(v) // strings still go through encoding/json
	}
	if v.Map().Len() == 0 {
		return ""
	}
	return marshalJSON(v.Map().AsRaw())
}

// requireSameJSON checks the writer against encoding/json on v, alone
// and as an ai_log, with and without the shared text arena.
func requireSameJSON(t testing.TB, v pcommon.Value) {
	want := marshalJSON(v.AsRaw())
	for _, w := range []*jsonWriter{{}, {text: &textArena{}}} {
		got, ok := w.encode(v)
		if want == "" {
			require.False(t, ok, "encoding/json fails, the writer gives %q", got)
		} else {
			require.True(t, ok, "encoding/json gives %q", want)
			require.Equal(t, want, got)
			require.True(t, utf8.ValidString(got))
		}
		require.Equal(t, legacyAILogJSON(v), w.aiLog(v))
	}
}

func TestJSONWriterMatchesEncodingJSON(t *testing.T) {
	strs := []string{
		"", "plain", "<b>&amp;</b> <>&", `quote " backslash \ slash /`,
		"\x00\x01\x07\b\f\n\r\t\x1f\x7f", "日本語 🚀 é", "\u2028\u2029", "bad \xff\xfe utf8 \xc3",
		"\xed\xa0\x80 surrogate", "\uFFFD", "ends in half \xe6\x97",
	}
	floats := []float64{0, math.Copysign(0, -1), 1, -1.5, 0.1, 1e-6, 1e-7, 9.99e-7, 1e20, 1e21, 123456789.125,
		math.MaxFloat64, math.SmallestNonzeroFloat64, -1e-300, 3.0e100}

	var cases []pcommon.Value
	for _, s := range strs {
		m := pcommon.NewValueMap()
		m.Map().PutStr(s, s)
		m.Map().PutStr("k", s)
		cases = append(cases, m, pcommon.NewValueStr(s))
	}
	for _, f := range floats {
		m := pcommon.NewValueMap()
		m.Map().PutDouble("f", f)
		cases = append(cases, m, pcommon.NewValueDouble(f))
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		m := pcommon.NewValueMap()
		m.Map().PutStr("a", "kept?")
		m.Map().PutEmptyMap("deep").PutEmptySlice("s").AppendEmpty().SetDouble(f)
		cases = append(cases, m, pcommon.NewValueDouble(f))
	}

	full := pcommon.NewValueMap()
	fm := full.Map()
	fm.PutStr("model", "qwen-max")
	fm.PutInt("input_token", 10)
	fm.PutInt("min", math.MinInt64)
	fm.PutInt("max", math.MaxInt64)
	fm.PutBool("t", true)
	fm.PutBool("f", false)
	fm.PutEmpty("null")
	fm.PutEmptyBytes("nobytes")
	fm.PutEmptyBytes("bytes").FromRaw([]byte("\x00\xffbin"))
	fm.PutEmptyMap("emptymap")
	fm.PutEmptySlice("emptyslice")
	nested := fm.PutEmptyMap("nested")
	nested.PutStr("z", "last")
	nested.PutStr("a", "first")
	nested.PutEmptyMap("m").PutEmptyMap("m").PutDouble("x", 2.5)
	s := fm.PutEmptySlice("slice")
	s.AppendEmpty().SetStr("x")
	s.AppendEmpty().SetInt(1)
	s.AppendEmpty()
	s.AppendEmpty().SetEmptyMap().PutStr("in", "slice")
	s.AppendEmpty().SetEmptySlice().AppendEmpty().SetBool(true)
	fm.PutStr("Ä", "sorted by bytes")
	fm.PutStr("B", "upper before lower")
	fm.PutStr("b", "lower")
	cases = append(cases, full, pcommon.NewValueMap(), pcommon.NewValueEmpty(), pcommon.NewValueInt(3),
		pcommon.NewValueBytes(), pcommon.NewValueSlice())

	for i, v := range cases {
		t.Run("", func(t *testing.T) {
			t.Logf("case %d: %s", i, v.AsString())
			requireSameJSON(t, v)
		})
	}
}

// A pcommon.Map may repeat a key (Put never does, but a decoded OTLP
// message can); AsRaw keeps the last value, once.
func TestJSONWriterRepeatedKeys(t *testing.T) {
	v := pcommon.NewValueMap()
	v.Map().PutStr("a", "1")
	v.Map().PutStr("c", "2")
	v.Map().PutStr("b", "3")
	rep, ok := collideKeys(v, func(int) int { return 1 }) // all named "a"
	require.True(t, ok)
	require.Equal(t, 3, rep.Map().Len())
	requireSameJSON(t, rep)
	assert.Equal(t, `{"a":"3"}`, aiLogJSON(rep))
}

// keyLiteral is a map key in OTLP JSON.
var keyLiteral = regexp.MustCompile(`"key":("(?:[^"\\]|\\.)*")`)

// collideKeys renames some map keys in v to other keys of it (pick
// chooses the new name, 0 keeps it), through OTLP JSON.
func collideKeys(v pcommon.Value, pick func(n int) int) (pcommon.Value, bool) {
	ld := plog.NewLogs()
	attrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Attributes()
	v.CopyTo(attrs.PutEmpty("v"))
	b, err := (&plog.JSONMarshaler{}).MarshalLogs(ld)
	if err != nil {
		return v, false
	}
	locs := keyLiteral.FindAllSubmatchIndex(b, -1)
	if len(locs) < 2 {
		return v, false
	}
	var names [][]byte
	for _, l := range locs[1:] { // locs[0] is "v" itself
		names = append(names, append([]byte(nil), b[l[2]:l[3]]...))
	}
	var out []byte
	last := 0
	for i, l := range locs[1:] {
		out = append(out, b[last:l[2]]...)
		name := names[i]
		if p := pick(len(names) + 1); p > 0 {
			name = names[p-1]
		}
		out = append(out, name...)
		last = l[3]
	}
	out = append(out, b[last:]...)
	ld2, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(out)
	if err != nil {
		return v, false
	}
	got, ok := ld2.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().Get("v")
	return got, ok
}

// TestJSONWriterRandom compares the writer with encoding/json on random
// nested values.
func TestJSONWriterRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		v := pcommon.NewValueEmpty()
		randomValue(r, v, 0)
		requireSameJSON(t, v)
		if rep, ok := collideKeys(v, func(n int) int { return max(r.IntN(2*n)-n, 0) }); ok {
			requireSameJSON(t, rep)
		}
	}
}

var randomStrings = []string{"", "a", "b", "A", "model", "<&>", "\"\\", "\n\t\x00", "é", "🚀", "\u2028", "\xff", "a\xc3", "\x7f"}

func randomString(r *rand.Rand) string {
	s := ""
	for range r.IntN(4) {
		s += randomStrings[r.IntN(len(randomStrings))]
	}
	return s
}

func randomValue(r *rand.Rand, v pcommon.Value, depth int) {
	kinds := 9
	if depth > 4 {
		kinds = 7 // no more containers
	}
	switch r.IntN(kinds) {
	case 0:
		// empty
	case 1:
		v.SetStr(randomString(r))
	case 2:
		v.SetInt(r.Int64() >> r.IntN(64))
	case 3:
		v.SetBool(r.IntN(2) == 0)
	case 4:
		f := math.Float64frombits(r.Uint64())
		if r.IntN(2) == 0 {
			f = r.NormFloat64() * math.Pow10(r.IntN(50)-25)
		}
		if r.IntN(50) > 0 && (math.IsNaN(f) || math.IsInf(f, 0)) {
			f = 0.5
		}
		v.SetDouble(f)
	case 5:
		b := make([]byte, r.IntN(5))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		v.SetEmptyBytes().FromRaw(b)
	case 6:
		v.SetEmptyBytes()
	case 7:
		m := v.SetEmptyMap()
		for range r.IntN(6) {
			randomValue(r, m.PutEmpty(randomString(r)), depth+1)
		}
	case 8:
		s := v.SetEmptySlice()
		for range r.IntN(5) {
			randomValue(r, s.AppendEmpty(), depth+1)
		}
	}
}

// FuzzJSONWriter builds a value from the fuzz input and compares the
// writer with encoding/json on it.
func FuzzJSONWriter(f *testing.F) {
	f.Add([]byte("\x07\x02ab\x01\x03x<\xff"))
	f.Add([]byte("\x08\x04\x07\x01k\x02\x00\x00\x00\x00\x00\x00\xf8\x7f"))
	f.Add([]byte("\x07\x03\x01\x01a\x03\x01\x01a\x05\x02\xe2\x80\xa8"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d := fuzzData{b: data}
		v := pcommon.NewValueEmpty()
		d.value(v, 0)
		requireSameJSON(t, v)
		if rep, ok := collideKeys(v, func(n int) int { return int(d.byte()) % n }); ok {
			requireSameJSON(t, rep)
		}
	})
}

type fuzzData struct{ b []byte }

func (d *fuzzData) byte() byte {
	if len(d.b) == 0 {
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *fuzzData) bytes() []byte {
	n := min(int(d.byte()), len(d.b))
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

func (d *fuzzData) value(v pcommon.Value, depth int) {
	switch d.byte() % 9 {
	case 1:
		v.SetStr(string(d.bytes()))
	case 2:
		var b [8]byte
		copy(b[:], d.bytes())
		v.SetDouble(math.Float64frombits(binary.LittleEndian.Uint64(b[:])))
	case 3:
		var b [8]byte
		copy(b[:], d.bytes())
		v.SetInt(int64(binary.LittleEndian.Uint64(b[:])))
	case 4:
		v.SetBool(d.byte()%2 == 1)
	case 5:
		v.SetEmptyBytes().FromRaw(d.bytes())
	case 6:
		v.SetEmptyBytes()
	case 7:
		m := v.SetEmptyMap()
		for n := int(d.byte() % 8); n > 0 && depth < 20; n-- {
			d.value(m.PutEmpty(string(d.bytes())), depth+1)
		}
	case 8:
		s := v.SetEmptySlice()
		for n := int(d.byte() % 8); n > 0 && depth < 20; n-- {
			d.value(s.AppendEmpty(), depth+1)
		}
	}
}
