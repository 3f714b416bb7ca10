package higresslogreceiver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// FuzzDecodeMatchesEncodingJSON: for a body that is one valid JSON
// object, the decoder makes exactly the record that encoding/json's
// decoding of it (UseNumber, the last of repeated keys) makes through the
// field table.
func FuzzDecodeMatchesEncodingJSON(f *testing.F) {
	f.Add(readTestdata(f, "full_entry.json"))
	f.Add([]byte(`{"a":"\u00e9\ud83d\ude00","a":"dup","n":1.0,"e":"\/\u0000","b":[1.5,-0,1e400,12345678901234567890]}`))
	f.Add([]byte(`{"method":"P\"O\\ST\u00e9\n","path":"/a?b","response_code":"404","trace_id":"0af7651916cd43dd8448eb211c80319c"}`))
	f.Add([]byte(`{"ai_log":{"a":{"b":[1,2.5,1e3,"x",null,true,{}]},"a":1,"n":null,"big":1e400},"req_headers":{"x":1,"y":null,"x":null,"z":{"b":1,"a":[true]},"w":false}}`))
	f.Add([]byte(`{"ai_log":"{\"model\":\"q\"}","resp_headers":"{\"a\":\"b\"}","response_code":200.0,"start_time":1700000000123,"instance_id":7}`))
	f.Add([]byte(`{"bytes_sent":"12","duration":1.5,"resp_body_truncated":1,"input_tokens":true,"authority":{"x":1},"route":[1]}`))
	f.Add([]byte("{\"x\":\"\xff\",\"y\":\"\\ud800\"}"))
	f.Add([]byte(`{"req_headers":{"n":1.50,"e":1e3},"resp_headers":{"o":{"n":1.50}},"cost":"0.25","input_tokens":true}`))
	f.Add([]byte(bigObjectEntry(bigObject)))
	f.Fuzz(func(t *testing.T, body []byte) {
		trimmed := bytes.TrimSpace(body)
		if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
			return
		}
		entries, rep, err := decodeEntries(body, 1<<30)
		require.NoError(t, err, "%q", body)
		require.Empty(t, rep.problems)
		require.Len(t, entries, 1)
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		dec.UseNumber()
		var m map[string]any
		require.NoError(t, dec.Decode(&m))
		want := referenceEntry(m)
		if got, exp := recordOf(&entries[0]), recordOf(&want); !reflect.DeepEqual(got, exp) {
			t.Fatalf("record differs for %q:\ngot  %#v\nwant %#v", body, got, exp)
		}
	})
}

// decodeEntries keeps a copy of every entry decodeBody hands out.
func decodeEntries(body []byte, maxExtra int) ([]entry, report, error) {
	var entries []entry
	rep, err := decodeBody(body, maxExtra, func(e *entry) {
		entries = append(entries, entry{known: slices.Clone(e.known), extra: e.extra})
	})
	if err != nil {
		return nil, report{}, err
	}
	return entries, rep, nil
}

// referenceEntry is the entry encoding/json's decoding of an object
// stands for.
func referenceEntry(m map[string]any) entry {
	e := newEntry()
	for k, v := range m {
		i, known := accesslog.IndexOf(k)
		if !known {
			e.putExtra(k, rawValue(v))
			continue
		}
		switch x := v.(type) {
		case nil:
			e.known[i] = value{kind: null}
		case string:
			e.known[i] = value{kind: str, s: x}
		case json.Number:
			e.known[i] = value{kind: num, s: string(x)}
		case map[string]any:
			if kind := accesslog.Fields[i].Kind; kind == accesslog.JSONObject || kind == accesslog.StringMap {
				e.known[i] = value{kind: pmap, m: referenceMap(x, kind == accesslog.StringMap)}
				break
			}
			e.known[i] = value{kind: other, v: rawValue(x)}
		default:
			e.known[i] = value{kind: other, v: rawValue(x)}
		}
	}
	return e
}

// referenceMap is an object of a map-typed field: headers keep each
// non-null value as its text.
func referenceMap(obj map[string]any, headers bool) pcommon.Map {
	m := pcommon.NewMap()
	for k, v := range obj {
		switch n, isNum := v.(json.Number); {
		case !headers:
			_ = m.PutEmpty(k).FromRaw(rawValue(v))
		case isNum:
			m.PutStr(k, n.String()) // as written
		case v != nil:
			m.PutStr(k, accesslog.Text(rawValue(v)))
		}
	}
	return m
}

// rawValue turns json.Number into what pdata's FromRaw takes.
func rawValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, ok := accesslog.ParseNumber(x.String()); ok {
			return n.Raw()
		}
		return x.String()
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = rawValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = rawValue(e)
		}
		return out
	}
	return v
}

// recordOf is everything fillRecord derives from an entry, except the
// record uid (random by design).
func recordOf(e *entry) map[string]any {
	lr := plog.NewLogRecord()
	fillRecord(lr, e, 1, "uid")
	lr.Attributes().Remove(accesslog.AttrRecordUID)
	return map[string]any{
		"attrs":    lr.Attributes().AsRaw(),
		"body":     lr.Body().AsString(),
		"ts":       lr.Timestamp(),
		"severity": lr.SeverityNumber(),
		"trace":    lr.TraceID(),
	}
}

// bigObject is past the members accesslog.Reader puts into a pdata map one
// by one (smallMap, 64): bigger objects are built another way.
const bigObject = 200

// bigObjectEntry has an ai_log and request headers of n members each,
// with a repeated key and (in the headers) a null that removes one: past
// smallMap members the decoder builds the maps another way.
func bigObjectEntry(n int) string {
	var ai, hdr strings.Builder
	for i := range n {
		fmt.Fprintf(&ai, `"k%d":%d,`, i, i)
		fmt.Fprintf(&hdr, `"h%d":"v%d",`, i, i)
	}
	return `{"ai_log":{` + ai.String() + `"k1":"again","nested":{"a":[1,{"b":null}]}},` +
		`"req_headers":{` + hdr.String() + `"h2":null,"h3":7}}`
}

func TestBigObjectsKeepEveryMember(t *testing.T) {
	n := bigObject
	lr := onlyRecord(t, bigObjectEntry(n))
	ai := attr(t, lr, "higress.ai_log").Map()
	assert.Equal(t, n+1, ai.Len())
	k1, _ := ai.Get("k1")
	assert.Equal(t, "again", k1.Str(), "a repeated key keeps the last value")
	last, _ := ai.Get(fmt.Sprintf("k%d", n-1))
	assert.Equal(t, int64(n-1), last.Int())
	hdr := attr(t, lr, "higress.request.headers").Map()
	assert.Equal(t, n-1, hdr.Len(), "null removes h2")
	h3, _ := hdr.Get("h3")
	assert.Equal(t, "7", h3.Str())
}

func TestExtraFieldsAreCapped(t *testing.T) {
	var body strings.Builder
	body.WriteString(`{"request_id":"r","x0":"first"`)
	for i := range 10 {
		fmt.Fprintf(&body, `,"x%d":%d`, i, i)
	}
	body.WriteString(`}`)
	ld, rep, err := buildLogs([]byte(body.String()), arrival{at: testNow}, defaultServiceName, 4)
	require.NoError(t, err)
	assert.Equal(t, 6, rep.extraCut, "x4…x9 are cut")
	attrs := records(ld)[0].Attributes()
	for i := range 10 {
		_, ok := attrs.Get(fmt.Sprintf("%sx%d", accesslog.AttrExtraPrefix, i))
		assert.Equal(t, i < 4, ok, "x%d", i)
	}
	x0, _ := attrs.Get(accesslog.AttrExtraPrefix + "x0")
	assert.Equal(t, int64(0), x0.Int(), "a kept field's repeat still replaces it")
	rid, _ := attrs.Get("higress.request_id")
	assert.Equal(t, "r", rid.Str())
}
