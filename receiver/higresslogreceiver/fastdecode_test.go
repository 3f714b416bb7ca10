package higresslogreceiver

import (
	"reflect"
	"testing"
)

// FuzzFastDecode: whenever the fast path accepts a body, it must return
// exactly what the standard decoder returns for it.
func FuzzFastDecode(f *testing.F) {
	f.Add(readTestdata(f, "full_entry.json"))
	f.Add([]byte(`[{"a":1},2,"x",null,{"b":[1.5,-0,1e400,12345678901234567890]}]`))
	f.Add([]byte(`{"a":"\u00e9\ud83d\ude00","a":"dup","n":1.0,"e":"\/\u0000"}`))
	f.Add([]byte("{\"x\":\"\xff\"}"))
	f.Add([]byte(`{"a":1}{"b":2}`))
	f.Add([]byte(`{"a":1} trailing`))
	f.Add([]byte(`[[[[[[[[[[{}]]]]]]]]]]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		start := skipSpace(body, 0)
		if start == len(body) {
			return
		}
		fast, fastProblems, ok := fastSplit(body, start)
		if !ok {
			return
		}
		var std []map[string]any
		var stdProblems []entryError
		var err error
		if body[start] == '[' {
			std, stdProblems, err = splitArray(body, start)
		} else {
			std, stdProblems, err = splitStream(body, start)
		}
		if err != nil {
			t.Fatalf("fast path accepted what the standard path rejects (%v): %q", err, body)
		}
		if !reflect.DeepEqual(fast, std) {
			t.Fatalf("entries differ for %q:\nfast %#v\nstd  %#v", body, fast, std)
		}
		if len(fastProblems) != len(stdProblems) {
			t.Fatalf("problems differ for %q: %v vs %v", body, fastProblems, stdProblems)
		}
	})
}
