package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/otelcol-higress/otelcol-higress/internal/loadgen"
	"github.com/otelcol-higress/otelcol-higress/test/reliability/harness"
)

// badBody is one hostile POST. tracked are the request ids it carries that
// must be stored (in access_logs or, refused by the database, in
// access_logs_rejected) exactly once if the POST is acknowledged; good are
// well-formed entries inside it that must land in access_logs.
type badBody struct {
	name        string
	body        []byte
	contentType string
	tracked     []string
	good        []string
	// want4xx: anything but a 4xx is wrong (the body has nothing usable).
	want4xx bool
}

// invalidUTF8 replaces the placeholder "\u00ffBAD" (as JSON-encoded by
// encoding/json) with raw invalid UTF-8 bytes.
func invalidUTF8(b []byte) []byte {
	return bytes.ReplaceAll(b, []byte("ÿBAD"), []byte{0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80})
}

func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// badBodies are generated from entries shaped as db-log-pusher sends them.
func badBodies(run string) []badBody {
	id := func(n string) string { return "bad-" + run + "-" + n }
	entry := func(n string) map[string]any {
		e := loadgen.Entry("bad-"+run, 0, 0)
		e["request_id"] = id(n)
		return e
	}
	var out []badBody

	good := marshal(entry("x"))
	out = append(out,
		badBody{name: "truncated JSON", body: good[:len(good)/2], want4xx: true},
		badBody{name: "not JSON", body: []byte("hello, collector"), want4xx: true},
		badBody{name: "empty body", body: nil, want4xx: true},
		badBody{name: "null", body: []byte("null"), want4xx: true},
		badBody{name: "empty array", body: []byte("[]"), want4xx: true},
		badBody{name: "array of scalars", body: []byte(`[1,"two",null,true]`), want4xx: true},
		badBody{name: "10 MiB of garbage", body: bytes.Repeat([]byte("x"), 10<<20), want4xx: true},
		badBody{name: "33 MiB body (over the 32 MiB limit)", body: append(append([]byte(`{"req_body":"`), bytes.Repeat([]byte("a"), 33<<20)...), '"', '}'), want4xx: true},
	)

	wrong := entry("wrong-types")
	wrong["response_code"] = "abc"
	wrong["duration"] = map[string]any{"ms": 12}
	wrong["bytes_sent"] = []int{1, 2}
	wrong["input_tokens"] = "many"
	wrong["output_tokens"] = -5
	wrong["total_tokens"] = 1e30
	wrong["start_time"] = true
	wrong["model"] = 123
	wrong["req_headers"] = "not a map"
	wrong["upstream_service_time"] = 17
	wrong["ai_log"] = 12
	out = append(out, badBody{name: "wrong types", body: marshal(wrong), tracked: []string{id("wrong-types")}})

	numID := entry("numeric")
	numID["request_id"] = 1234567890
	out = append(out, badBody{name: "numeric request_id", body: marshal(numID)})

	big := entry("10mib")
	big["req_body"] = strings.Repeat("q", 5<<20)
	big["resp_body"] = strings.Repeat("a", 5<<20)
	out = append(out, badBody{name: "10 MiB entry", body: marshal(big), tracked: []string{id("10mib")}})

	utf := entry("utf8")
	utf["path"] = "/v1/chat/\u00ffBAD"
	utf["user_agent"] = "agent \u00ffBAD"
	utf["consumer"] = "\u00ffBAD"
	utf["ai_log"] = map[string]any{"question": "q \u00ffBAD", "model": "m\u00ffBAD", "\u00ffBAD": 1}
	out = append(out, badBody{name: "invalid UTF-8", body: invalidUTF8(marshal(utf)), tracked: []string{id("utf8")}})

	for _, depth := range []int{100, 10_000, 200_000} {
		n := fmt.Sprintf("deep-%d", depth)
		e := marshal(entry(n))
		nested := strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
		arr := strings.Repeat("[", depth) + strings.Repeat("]", depth)
		body := []byte(string(e[:len(e)-1]) + `,"ai_log":` + nested + `,"x_nested":` + arr + `}`)
		out = append(out, badBody{name: "nesting depth " + fmt.Sprint(depth), body: body, tracked: []string{id(n)}})
	}

	manyKeys := entry("ai-keys")
	m := map[string]any{"model": "qwen-max", "input_token": "10", "output_token": 5}
	for i := range 50_000 {
		m[fmt.Sprintf("custom_%05d", i)] = strings.Repeat("v", 20)
	}
	manyKeys["ai_log"] = m
	out = append(out, badBody{name: "ai_log with 50k keys", body: marshal(manyKeys), tracked: []string{id("ai-keys")}})

	hugeAI := entry("ai-12mib")
	hugeAI["ai_log"] = map[string]any{"model": "qwen-max", "answer": strings.Repeat("A", 12<<20) + "[truncated]"}
	out = append(out, badBody{name: "12 MiB ai_log", body: marshal(hugeAI), tracked: []string{id("ai-12mib")}})

	strAI := entry("ai-string")
	strAI["ai_log"] = `{"model":"qwen-max","input_token":"7",` // broken JSON string
	out = append(out, badBody{name: "ai_log as a broken JSON string", body: marshal(strAI), tracked: []string{id("ai-string")}})

	g1, g2 := entry("mixed-1"), entry("mixed-2")
	mixed := []byte(`[` + string(marshal(g1)) + `,42,"str",null,[1],` + string(marshal(g2)) + `]`)
	out = append(out, badBody{name: "array mixing entries and junk", body: mixed, good: []string{id("mixed-1"), id("mixed-2")}})

	n1, n2 := entry("ndjson-1"), entry("ndjson-2")
	nd := []byte(string(marshal(n1)) + "\n{\"request_id\": \"broken\n" + string(marshal(n2)) + "\n")
	out = append(out, badBody{name: "NDJSON with a broken line", body: nd, contentType: "application/x-ndjson", tracked: []string{id("ndjson-1"), id("ndjson-2")}})

	out = append(out, badBody{name: "empty object", body: []byte("{}")})
	return out
}

// TestBadInput interleaves hostile bodies with good entries: each hostile
// body gets a clear 4xx or is stored safely, the collector keeps running,
// and every good entry lands exactly once.
func TestBadInput(t *testing.T) {
	e := newEnv(t, harness.Options{})
	e.start()
	run := runID(t)
	client := &http.Client{Timeout: 60 * time.Second}

	post := func(body []byte, ct string) (int, string) {
		if ct == "" {
			ct = "application/json"
		}
		t0 := time.Now()
		resp, err := client.Post(e.col.URL, ct, bytes.NewReader(body))
		if err != nil {
			return 0, fmt.Sprintf("after %v: %v", time.Since(t0).Round(time.Millisecond), err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return resp.StatusCode, string(b)
	}

	var goodAcked, mixedGood, trackedAcked []string
	seq := 0
	sendGood := func() {
		for range 3 {
			code, msg := post(loadgen.Body([]map[string]any{loadgen.Entry(run, seq, 0)}), "")
			if code != http.StatusOK {
				t.Errorf("good entry %d answered %d %s", seq, code, msg)
			} else {
				goodAcked = append(goodAcked, loadgen.RequestID(run, seq))
			}
			seq++
		}
	}
	rounds := pick(1, 5)
	for round := range rounds {
		for _, bb := range badBodies(fmt.Sprintf("%s-r%d", run, round)) {
			sendGood()
			code, msg := post(bb.body, bb.contentType)
			switch {
			case code == 0:
				t.Errorf("%s: no answer: %s", bb.name, msg)
			case code >= 500:
				t.Errorf("%s: answered %d %s", bb.name, code, msg)
			case bb.want4xx && (code < 400 || code >= 500):
				t.Errorf("%s: answered %d %s, want a 4xx", bb.name, code, msg)
			case code >= 200 && code < 300:
				mixedGood = append(mixedGood, bb.good...)
				trackedAcked = append(trackedAcked, bb.tracked...)
			}
			if round == 0 {
				t.Logf("%-45s → %d %s", bb.name, code, strings.TrimSpace(msg))
			}
			if !e.col.Running() {
				t.Fatalf("collector died after %q: %v", bb.name, e.col.ExitState())
			}
		}
	}
	sendGood()

	e.waitStored(run, goodAcked, time.Minute)
	// Good entries that shared a body with junk must be in access_logs.
	for _, id := range mixedGood {
		if main, _ := e.countStored(id); main != 1 {
			e.t.Errorf("%s (good entry next to junk) stored %d times in access_logs", id, main)
		}
	}
	for _, id := range trackedAcked {
		e.waitSafelyStored(id, time.Minute)
	}
	if !e.col.Running() {
		t.Fatalf("collector exited: %v", e.col.ExitState())
	}
}

// waitSafelyStored waits until request id is in access_logs or in the
// dead-letter table, exactly once overall.
func (e *env) waitSafelyStored(id string, within time.Duration) {
	e.t.Helper()
	deadline := time.Now().Add(within)
	var main, dead int
	for {
		main, dead = e.countStored(id)
		if main+dead > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	switch {
	case main+dead == 0:
		e.t.Errorf("%s acknowledged but stored nowhere", id)
	case main+dead > 1:
		e.t.Errorf("%s stored %d times (access_logs %d, dead letter %d)", id, main+dead, main, dead)
	case dead == 1:
		e.t.Logf("%s: in the dead-letter table", id)
	}
}

// countStored counts request id in access_logs and in the dead-letter
// table, where a row is the request itself (not an ai_log kept aside for a
// row that is in access_logs).
func (e *env) countStored(id string) (main, dead int) {
	_ = e.sqlDB.QueryRowContext(context.Background(),
		"SELECT COUNT(*) FROM `access_logs` WHERE `request_id` = ?", id).Scan(&main)
	_ = e.sqlDB.QueryRowContext(context.Background(),
		"SELECT COUNT(*) FROM `access_logs_rejected` WHERE `request_id` = ? AND `reason` <> 'ai_log_refused'", id).Scan(&dead)
	return main, dead
}

// TestOversizedAILog posts one entry whose ai_log alone is larger than the
// server's max_allowed_packet (16 MiB on MariaDB 10.11): it cannot be
// written as it is, so the row is stored with ai_log NULL (the ai_log in the
// dead-letter table), and it must not block the entries behind it.
func TestOversizedAILog(t *testing.T) {
	e := newEnv(t, harness.Options{LogLevel: "info"})
	e.start()
	run := runID(t)
	huge := loadgen.Entry("big-"+run, 0, 0)
	huge["ai_log"] = map[string]any{"model": "qwen-max", "answer": strings.Repeat("A", 20<<20) + "[truncated]"}
	resp, err := http.Post(e.col.URL, "application/json", bytes.NewReader(marshal(huge)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("20 MiB ai_log answered %d", resp.StatusCode)
	}
	res, err := loadgen.Run(context.Background(), loadgen.Config{URL: e.col.URL, RunID: run, Concurrency: 4, Posts: 200})
	if err != nil {
		t.Fatal(err)
	}
	e.waitStored(run, res.AckedIDs, time.Minute)
	var main, dead, deadRows int
	for deadline := time.Now().Add(time.Minute); ; {
		main, dead = e.countStored(loadgen.RequestID("big-"+run, 0))
		_ = e.sqlDB.QueryRow("SELECT COUNT(*) FROM `access_logs_rejected`").Scan(&deadRows)
		if main+deadRows > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("oversized row: access_logs %d, dead letter (by request_id) %d, dead-letter rows %d; %d write failures logged",
		main, dead, deadRows, e.col.CountLog("max_allowed_packet"))
	if main+deadRows == 0 {
		t.Errorf("the oversized entry was acknowledged but is stored nowhere (retried forever?)")
	}
}

// TestDeadLetterKeepsIdentity sends an entry MariaDB would refuse (ai_log
// nested deeper than MariaDB's JSON limit of 32 fails the column's
// json_valid check, error 4025) that is also large (a 10 MiB answer): the
// row is written with ai_log NULL, findable by its request_id, and the
// ai_log is kept in access_logs_rejected.
func TestDeadLetterKeepsIdentity(t *testing.T) {
	e := newEnv(t, harness.Options{})
	e.start()
	run := runID(t)
	en := loadgen.Entry(run, 0, 0)
	deep := any(1)
	for range 40 {
		deep = map[string]any{"a": deep}
	}
	en["ai_log"] = map[string]any{"model": "qwen-max", "answer": strings.Repeat("A", 10<<20), "deep": deep}
	resp, err := http.Post(e.col.URL, "application/json", bytes.NewReader(marshal(en)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("answered %d", resp.StatusCode)
	}
	deadline := time.Now().Add(time.Minute)
	var rows int
	for time.Now().Before(deadline) {
		_ = e.sqlDB.QueryRow("SELECT COUNT(*) FROM `access_logs_rejected`").Scan(&rows)
		if rows > 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if rows == 0 {
		t.Fatal("refused row not in the dead-letter table")
	}
	main, dead := e.countStored(loadgen.RequestID(run, 0))
	t.Logf("access_logs %d, dead-letter rows %d, of which carry the request_id: %d", main, rows, dead)
	if main+dead != 1 {
		t.Errorf("the refused entry cannot be found by its request_id (access_logs %d, dead letter %d)", main, dead)
	}
}
