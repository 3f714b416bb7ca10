package higresslogreceiver

import (
	"testing"
	"time"
)

// FuzzDecodeBody feeds arbitrary bodies to the decoder: it must never panic,
// and every entry is either a record or a reported problem. The seed corpus
// runs in every `go test`; `make fuzz` explores further.
func FuzzDecodeBody(f *testing.F) {
	f.Add(readTestdata(f, "full_entry.json"))
	f.Add([]byte(`[{"a":1},2,{"ai_log":"\"{\\\"model\\\":\\\"m\\\"}\""}]`))
	f.Add([]byte("{\"start_time\":1795140000000}\n{broken\n{\"trace_id\":\"8448eb211c80319c\"}"))
	f.Add([]byte(`{"response_code":"5x","duration":1e400,"start_time":"-1","req_headers":"{}"}`))
	f.Add([]byte(`{"ai_log":{"a":{"b":{"c":[[[[{}]]]]}}},"x":"\ud800"}`))
	f.Add([]byte("\xEF\xBB\xBF[]"))
	f.Add([]byte(""))
	now := time.Unix(1795140000, 0)
	f.Fuzz(func(t *testing.T, body []byte) {
		ld, rep, err := buildLogs(body, arrival{at: now}, "svc", 4)
		if err != nil {
			return
		}
		for _, p := range rep.problems {
			if p.Reason == "" || p.Error == "" {
				t.Fatalf("problem without reason or message: %+v", p)
			}
		}
		for _, lr := range records(ld) {
			if _, ok := lr.Attributes().Get("log.record.uid"); !ok {
				t.Fatal("record without log.record.uid")
			}
		}
	})
}
