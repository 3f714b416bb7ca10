package higresslogreceiver

import (
	"encoding/json"
	"reflect"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// FuzzFastDecode: whenever the fast path accepts a body, the records it
// makes must be exactly the ones the standard decoder's entries make.
func FuzzFastDecode(f *testing.F) {
	f.Add(readTestdata(f, "full_entry.json"))
	f.Add([]byte(`[{"a":1},2,"x",null,{"b":[1.5,-0,1e400,12345678901234567890]}]`))
	f.Add([]byte(`{"a":"\u00e9\ud83d\ude00","a":"dup","n":1.0,"e":"\/\u0000"}`))
	f.Add([]byte(`{"method":"P\"O\\ST\u00e9\n","path":"/a?b","response_code":"404","trace_id":"0af7651916cd43dd8448eb211c80319c"}`))
	f.Add([]byte(`{"ai_log":{"a":{"b":[1,2.5,1e3,"x",null,true,{}]},"a":1,"n":null,"big":1e400},"req_headers":{"x":1,"y":null,"x":null,"z":{"b":1,"a":[true]},"w":false}}`))
	f.Add([]byte(`{"ai_log":"{\"model\":\"q\"}","resp_headers":"{\"a\":\"b\"}","response_code":200.0,"start_time":1700000000123,"instance_id":7}`))
	f.Add([]byte(`{"bytes_sent":"12","duration":1.5,"resp_body_truncated":1,"input_tokens":true,"authority":{"x":1},"route":[1]}`))
	f.Add([]byte("{\"x\":\"\xff\"}"))
	f.Add([]byte(`{"a":1}{"b":2}`))
	f.Add([]byte(`{"a":1} trailing`))
	f.Add([]byte(`[[[[[[[[[[{}]]]]]]]]]]`))
	f.Add([]byte(` [ { "method" : "GET" } , 1 , { } ] `))
	for _, bad := range []string{`{"a":1,}`, `[1,]`, `{"a":01}`, `{"a":-}`, `{"a":1.}`, `{"a":1e}`, `{"a":nul}`, `{"a":"\x"}`, `{"a":"\u12"}`, "{\"a\":\"\t\"}", `{"a" 1}`, `{"a":1 "b":2}`, `[1 2]`, `{"a":[}`, `{,}`, `{"a":tru}`, `{"a":{"b":1}`, `[{}`, `{"a":"x}`} {
		f.Add([]byte(bad))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		start := skipSpace(body, 0)
		if start == len(body) {
			return
		}
		fast, fastProblems, ok := fastSplit(body, start)
		if !ok {
			return
		}
		if !json.Valid(body[start:]) {
			t.Fatalf("fast path accepted invalid JSON: %q", body)
		}
		objs, stdProblems, err := splitStandard(body, start)
		if err != nil {
			t.Fatalf("fast path accepted what the standard path rejects (%v): %q", err, body)
		}
		if len(fast) != len(objs) {
			t.Fatalf("%d entries vs %d for %q", len(fast), len(objs), body)
		}
		if !reflect.DeepEqual(fastProblems, stdProblems) {
			t.Fatalf("problems differ for %q: %v vs %v", body, fastProblems, stdProblems)
		}
		for i := range fast {
			std := entryFromMap(objs[i])
			got, want := recordOf(&fast[i]), recordOf(&std)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("entry %d differs for %q:\nfast %#v\nstd  %#v", i, body, got, want)
			}
		}
	})
}

// recordOf is everything fillRecord derives from an entry, except the
// record uid (random by design).
func recordOf(e *entry) map[string]any {
	lr := plog.NewLogRecord()
	fillRecord(lr, e, 1)
	lr.Attributes().Remove(accesslog.AttrRecordUID)
	return map[string]any{
		"attrs":    lr.Attributes().AsRaw(),
		"body":     lr.Body().AsString(),
		"ts":       lr.Timestamp(),
		"severity": lr.SeverityNumber(),
		"trace":    lr.TraceID(),
	}
}
