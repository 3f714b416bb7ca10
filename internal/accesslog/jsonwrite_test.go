package accesslog

import (
	"bytes"
	"math"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

// FuzzJSONWriterMatchesAsString: for any object or array a sender can
// write, the writer's text is Value.AsString's, byte for byte, and it
// refuses exactly what AsString cannot encode.
func FuzzJSONWriterMatchesAsString(f *testing.F) {
	for _, seed := range []string{
		`{}`, `[]`, `{"b":1,"a":"x","c":[1,2.5,-0.0,1e-7,1e21,123456789012345678901234567890,true,null,{}]}`,
		`{"s":"<&>\u2028\u2029\u007f\b\f\n\r\t\u0001\"\\/é🚀","k\u0000":"\ud800"}`,
		"{\"bad\":\"\xff\xfe\",\"\xc3\":1}",
		`{"a":1,"a":2,"b":{"z":1,"y":[{"x":0.000001,"w":1e-6,"v":1.5e300}]}}`,
		`[[[[[["deep"]]]]]]`, `{"n":-9223372036854775808,"m":18446744073709551616,"f":3.0}`,
	} {
		f.Add(seed)
	}
	var w JSONWriter
	f.Fuzz(func(t *testing.T, text string) {
		v := pcommon.NewValueEmpty()
		r := NewReader([]byte(text))
		r.Start(0)
		if err := r.ValueInto(v); err != nil {
			return
		}
		checkJSONWriter(t, &w, v)
	})
}

func checkJSONWriter(t *testing.T, w *JSONWriter, v pcommon.Value) {
	t.Helper()
	got, ok := w.Append([]byte("prefix"), v)
	want := v.AsString()
	if v.Type() == pcommon.ValueTypeMap || v.Type() == pcommon.ValueTypeSlice {
		if !ok {
			if want != "" {
				t.Fatalf("refused what AsString encodes as %q", want)
			}
			return
		}
	} else if !ok {
		t.Fatalf("refused a scalar %v", v.AsRaw())
	}
	if v.Type() != pcommon.ValueTypeMap && v.Type() != pcommon.ValueTypeSlice {
		return // scalars: AsString is not JSON (a string is unquoted)
	}
	if string(got[:6]) != "prefix" || string(got[6:]) != want {
		t.Fatalf("got  %s\nwant prefix%s", got, want)
	}
}

// TestJSONWriterValuesNoDecoderMakes covers what only pdata builds: bytes,
// non-finite doubles, repeated keys put by hand.
func TestJSONWriterValuesNoDecoderMakes(t *testing.T) {
	var w JSONWriter
	v := pcommon.NewValueMap()
	m := v.Map()
	m.PutEmptyBytes("bytes").FromRaw([]byte("\x00\xffhello"))
	m.PutEmptyBytes("none")
	m.PutDouble("tiny", 5e-324)
	m.PutEmptySlice("list").AppendEmpty().SetEmptyBytes()
	checkJSONWriter(t, &w, v)

	// Map.Put* replaces a key; a decoded protobuf may repeat one.
	ld := plog.NewLogs()
	attrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Attributes()
	attrs.PutStr("k2", "first")
	attrs.PutInt("k1", 1)
	attrs.PutStr("k3", "last")
	b, err := (&plog.ProtoMarshaler{}).MarshalLogs(ld)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte("k3"), []byte("k2"), 1)
	if ld, err = (&plog.ProtoUnmarshaler{}).UnmarshalLogs(b); err != nil {
		t.Fatal(err)
	}
	dup := pcommon.NewValueMap()
	ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().MoveTo(dup.Map())
	if dup.Map().Len() != 3 {
		t.Fatalf("the repeated key did not survive decoding: %d members", dup.Map().Len())
	}
	checkJSONWriter(t, &w, dup)

	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		v := pcommon.NewValueMap()
		v.Map().PutEmptyMap("a").PutDouble("b", bad)
		if _, ok := w.Append(nil, v); ok {
			t.Fatalf("%v accepted; AsString gives %q", bad, v.AsString())
		}
		if v.AsString() != "" {
			t.Fatalf("AsString encodes %v as %q", bad, v.AsString())
		}
	}
}
