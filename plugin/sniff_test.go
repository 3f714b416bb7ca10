package main

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type sniffed struct{ model, method, tool string }

func sniffChunks(chunks ...[]byte) sniffed {
	var s bodySniffer
	for _, c := range chunks {
		if s.done {
			break
		}
		s.feed(c)
	}
	return sniffed{s.model, s.method, s.tool}
}

// splitEvery splits b in pieces of n bytes.
func splitEvery(b []byte, n int) [][]byte {
	var out [][]byte
	for len(b) > n {
		out = append(out, b[:n])
		b = b[n:]
	}
	return append(out, b)
}

// openAIChat is a chat request as the official openai-python client writes
// it: messages first, model after them.
func openAIChat(promptBytes int) []byte {
	prompt := strings.Repeat(`Tell me about "gateways" {and} [logs]\n, `, promptBytes/40+1)[:promptBytes]
	msgs, _ := json.Marshal([]map[string]any{
		{"role": "system", "content": "You are terse."},
		{"role": "user", "content": prompt, "name": "model"},
	})
	return []byte(`{"messages":` + string(msgs) + `,"model":"qwen-max","stream":true,"stream_options":{"include_usage":true}}`)
}

func TestSnifferFindsTheModelAnywhere(t *testing.T) {
	body := openAIChat(20 << 10)
	require.Greater(t, len(body), 20<<10)
	for _, n := range []int{1, 7, 4096, len(body) / 3, len(body)} {
		assert.Equal(t, "qwen-max", sniffChunks(splitEvery(body, n)...).model, "chunks of %d bytes", n)
	}
}

func TestSnifferCases(t *testing.T) {
	for name, tc := range map[string]struct {
		body string
		want sniffed
	}{
		"model first":            {`{"model":"m1","messages":[]}`, sniffed{model: "m1"}},
		"whitespace":             {" \n{ \"stream\" : true ,\r\n\t\"model\" :\t\"m2\" }", sniffed{model: "m2"}},
		"escaped key and value":  {`{"mod\u0065l":"qwen\/max\u00e9"}`, sniffed{model: "qwen/maxé"}},
		"first wins":             {`{"model":"a","model":"b"}`, sniffed{model: "a"}},
		"nested model ignored":   {`{"metadata":{"model":"x"},"tools":[{"model":"y"}],"model":"z"}`, sniffed{model: "z"}},
		"model in a string":      {`{"prompt":"\"model\":\"x\"","model":"z"}`, sniffed{model: "z"}},
		"model not a string":     {`{"model":42,"messages":[]}`, sniffed{}},
		"model too long":         {`{"model":"` + strings.Repeat("m", maxSniffString+1) + `"}`, sniffed{}},
		"not an object":          {`[{"model":"x"}]`, sniffed{}},
		"not JSON":               {`model=x`, sniffed{}},
		"cut short":              {`{"messages":[{"content":"hi`, sniffed{}},
		"model after a literal":  {`{"n":-1.5e3,"ok":false,"none":null,"model":"m"}`, sniffed{model: "m"}},
		"tools/call":             {`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_weather","arguments":{"city":"x"}}}`, sniffed{method: "tools/call", tool: "get_weather"}},
		"params before method":   {`{"params":{"arguments":{"name":"no"},"name":"t1"},"method":"tools/call"}`, sniffed{method: "tools/call", tool: "t1"}},
		"name outside params":    {`{"name":"no","method":"tools/call","params":{"_meta":{"name":"no"}}}`, sniffed{method: "tools/call"}},
		"params not an object":   {`{"method":"tools/call","params":["name","x"]}`, sniffed{method: "tools/call"}},
		"other method":           {`{"method":"tools/list","params":{}}`, sniffed{method: "tools/list"}},
		"model after a method":   {`{"method":"generate","model":"m"}`, sniffed{model: "m", method: "generate"}},
		"empty object":           {`{}`, sniffed{}},
		"deep nesting":           {`{"a":` + strings.Repeat(`[{"b":`, 500) + `1` + strings.Repeat(`}]`, 500) + `,"model":"deep"}`, sniffed{model: "deep"}},
		"backslash before quote": {`{"p":"a\\","model":"m"}`, sniffed{model: "m"}},
	} {
		t.Run(name, func(t *testing.T) {
			body := []byte(tc.body)
			assert.Equal(t, tc.want, sniffChunks(body), "one chunk")
			assert.Equal(t, tc.want, sniffChunks(splitEvery(body, 1)...), "byte by byte")
			if json.Valid(body) {
				assert.Equal(t, tc.want, referenceSniff(body), "the reference agrees")
			}
		})
	}
}

// The sniffer keeps no copy of the body: its state after 1 MiB of prompt
// is the few bytes of the last string it kept.
func TestSnifferStateIsBounded(t *testing.T) {
	var s bodySniffer
	body := openAIChat(1 << 20)
	for _, c := range splitEvery(body, 16<<10) {
		s.feed(c)
		assert.LessOrEqual(t, cap(s.buf), maxSniffString*2)
	}
	assert.Equal(t, "qwen-max", s.model)
}

// referenceSniff is what the sniffer must find, by encoding/json's
// tokenizer on a valid body: the first top-level "model" string; the first
// top-level "method" string; the first "name" string of a top-level
// "params" object; read in document order up to where the sniffer stops.
func referenceSniff(body []byte) sniffed {
	var r sniffed
	var found sniffKey
	d := json.NewDecoder(bytes.NewReader(body))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		return r
	}
	done := func() bool { return found&keyModel != 0 || (r.method == "tools/call" && found&keyName != 0) }
	for d.More() && !done() {
		k, _ := d.Token()
		switch k {
		case "model", "method":
			var raw json.RawMessage
			_ = d.Decode(&raw)
			var v string
			if json.Unmarshal(raw, &v) == nil && len(raw) <= maxSniffString+2 {
				if k == "model" && found&keyModel == 0 {
					r.model, found = v, found|keyModel
				} else if k == "method" && found&keyMethod == 0 {
					r.method, found = v, found|keyMethod
				}
			}
		case "params":
			tok, _ := d.Token()
			if tok != json.Delim('{') {
				if _, isDelim := tok.(json.Delim); isDelim {
					skipRest(d)
				}
				continue
			}
			for d.More() {
				pk, _ := d.Token()
				var raw json.RawMessage
				_ = d.Decode(&raw)
				var v string
				if pk == "name" && found&keyName == 0 && json.Unmarshal(raw, &v) == nil && len(raw) <= maxSniffString+2 {
					r.tool, found = v, found|keyName
				}
				if done() {
					return r
				}
			}
			_, _ = d.Token()
		default:
			var raw json.RawMessage
			_ = d.Decode(&raw)
		}
	}
	return r
}

// skipRest skips the rest of the array or object whose opening the decoder
// just returned.
func skipRest(d *json.Decoder) {
	for depth := 1; depth > 0; {
		tok, err := d.Token()
		if err == io.EOF || err != nil {
			return
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
}

// FuzzSniffer: on any input the sniffer never panics, finds the same
// whatever the chunking, and on a valid JSON body finds what encoding/json
// finds.
func FuzzSniffer(f *testing.F) {
	for _, seed := range []string{
		`{"model":"m"}`, string(openAIChat(300)),
		`{"jsonrpc":"2.0","method":"tools/call","params":{"name":"t","arguments":{}}}`,
		`{"params":{"name":"t"},"method":"tools/call","model":"late"}`,
		`{"mod\u0065l":"\ud83d\ude00"}`, `{"a":"\\","model":"x"}`, `[]`, `{`, `{"model"`, `{"model":"x`,
	} {
		f.Add([]byte(seed), uint8(3))
	}
	f.Fuzz(func(t *testing.T, body []byte, n uint8) {
		whole := sniffChunks(body)
		split := sniffChunks(splitEvery(body, int(n)%17+1)...)
		if whole != split {
			t.Fatalf("chunking changed the result: %+v vs %+v", whole, split)
		}
		if json.Valid(body) {
			if ref := referenceSniff(body); ref != whole {
				t.Fatalf("sniffer %+v, encoding/json %+v", whole, ref)
			}
		}
	})
}
