package accesslogqueryextension

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pred is a POC filter's meaning, applied to a stored row.
type pred func(r stored) bool

func eq(col, v string) pred {
	return func(r stored) bool { s, ok := r.str(col); return ok && s == v }
}

func contains(col, v string) pred {
	return func(r stored) bool { s, ok := r.str(col); return ok && strings.Contains(s, v) }
}

func all(ps ...pred) pred {
	return func(r stored) bool {
		for _, p := range ps {
			if !p(r) {
				return false
			}
		}
		return true
	}
}

func since(t time.Time) pred { return func(r stored) bool { return !r.start.Before(t) } }
func until(t time.Time) pred { return func(r stored) bool { return !r.start.After(t) } }

// pocCase is one POC parameter set and what it means.
type pocCase struct {
	name   string
	params url.Values
	match  pred
}

func vals(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return q
}

// pocCases covers every parameter of the POC's GET /query, plus request_id.
// The window parameters are exercised here; the other cases add the
// fixture's window.
func pocCases() []pocCase {
	t1 := fixtureBase.Add(70 * time.Second)
	t2 := fixtureBase.Add(140 * time.Second)
	from, to := fixtureWindow()
	return []pocCase{
		{"window only", vals(), all()},
		{"start_time RFC3339", vals("start_time", t1.Format(time.RFC3339), "end", to), since(t1)},
		{"start alias", vals("start", t1.Format(time.RFC3339), "end", to), since(t1)},
		{"start_time and start: both bounds apply", vals("start_time", from, "start", t1.Format(time.RFC3339), "end", to), since(t1)},
		{"end", vals("start_time", from, "end", t2.Format(time.RFC3339)), until(t2)},
		{"start_time zoneless UTC", vals("start_time", t1.Format(time.DateTime), "end", t2.Format(time.DateTime)), all(since(t1), until(t2))},
		{"start_time with offset", vals("start_time", t1.In(time.FixedZone("", 8*3600)).Format(time.RFC3339), "end", to), since(t1)},
		{"epoch seconds", vals("start_time", strconv.FormatInt(t1.Unix(), 10), "end", strconv.FormatInt(t2.Unix(), 10)), all(since(t1), until(t2))},
		{"epoch milliseconds", vals("start_time", strconv.FormatInt(t1.UnixMilli(), 10), "end", strconv.FormatInt(t2.UnixMilli(), 10)), all(since(t1), until(t2))},
		{"authority", vals("authority", "llm.example.com"), eq("authority", "llm.example.com")},
		{"method", vals("method", "GET"), eq("method", "GET")},
		{"path substring", vals("path", "chat"), contains("path", "chat")},
		{"path: _ is literal", vals("path", "_"), contains("path", "_")},
		{"path: % is literal", vals("path", "0%"), contains("path", "0%")},
		{"no match: ! is literal in path", vals("path", "!"), contains("path", "!")},
		{"path_like is accepted", vals("path", "embed", "path_like", "true"), contains("path", "embed")},
		{"response_code", vals("response_code", "404"), eq("response_code", "404")},
		{"status alias", vals("status", "500"), eq("response_code", "500")},
		{"trace_id", vals("trace_id", "trace-03"), eq("trace_id", "trace-03")},
		{"request_id", vals("request_id", "req-07"), eq("request_id", "req-07")},
		{"instance_id", vals("instance_id", "gw-1"), eq("instance_id", "gw-1")},
		{"api", vals("api", "chat-api@v1"), eq("api", "chat-api@v1")},
		{"model", vals("model", "gpt-4o"), eq("model", "gpt-4o")},
		{"model filled from ai_log", vals("model", "deepseek-r1"), eq("model", "deepseek-r1")},
		{"consumer", vals("consumer", "alice"), eq("consumer", "alice")},
		{"route", vals("route", "r-2"), eq("route", "r-2")},
		// The POC matched service against authority AND service at once.
		{"service filters service only", vals("service", "svc-a"), eq("service", "svc-a")},
		{"mcp_server from the path", vals("mcp_server", "weather"), eq("mcp_server", "weather")},
		{"mcp_tool", vals("mcp_tool", "get_forecast"), eq("mcp_tool", "get_forecast")},
		{"bizType is accepted and ignored", vals("bizType", "MODEL_API"), all()},
		{"empty values are ignored", vals("model", "", "consumer", ""), all()},
		{"combined", vals("model", "qwen-max", "method", "POST", "instance_id", "gw-0"),
			all(eq("model", "qwen-max"), eq("method", "POST"), eq("instance_id", "gw-0"))},
		{"no match", vals("model", "no-such-model"), eq("model", "no-such-model")},
	}
}

// expected applies a case to the stored rows in the default order
// (start_time DESC, then id DESC).
func expected(rows []stored, p pred) []int64 {
	var out []stored
	for _, r := range rows {
		if p(r) {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].start.Equal(out[j].start) {
			return out[i].start.After(out[j].start)
		}
		return out[i].id > out[j].id
	})
	ids := make([]int64, len(out))
	for i, r := range out {
		ids[i] = r.id
	}
	return ids
}

func queryURL(e *queryExtension, q url.Values) string {
	from, to := fixtureWindow()
	q = cloneValues(q)
	if q.Get("start_time") == "" && q.Get("start") == "" {
		q.Set("start_time", from)
	}
	if q.Get("end") == "" {
		q.Set("end", to)
	}
	if q.Get("page_size") == "" {
		q.Set("page_size", "100")
	}
	return e.url(pathQuery + "?" + q.Encode())
}

func cloneValues(q url.Values) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = slices.Clone(v)
	}
	return out
}

// withFixture runs fn on every server and every published DDL, with the
// fixture written by the collector's own pipeline.
func withFixture(t *testing.T, fn func(t *testing.T, tg *target, e *queryExtension, rows []stored)) {
	eachTarget(t, func(t *testing.T, tg *target) {
		for _, ddl := range ddlFiles {
			name := strings.TrimSuffix(ddl, ".sql")
			if name == "" {
				name = "exporter_ddl"
			}
			t.Run(name, func(t *testing.T) {
				table := "logs_" + strings.TrimPrefix(name, "ddl_")
				if ddl != "" {
					createFromDDL(t, tg, ddl, table)
				}
				w := startWriter(t, tg, table)
				w.post(t, fixture()...)
				rows := readStored(t, tg, table)
				require.Len(t, rows, fixtureRows)
				fn(t, tg, startQuery(t, testConfig(tg, table), nil), rows)
			})
		}
	})
}

// TestQueryPOCParameters: every POC parameter, on rows the collector
// wrote into each published DDL, returns the rows the POC's meaning
// selects, newest first, with total.
func TestQueryPOCParameters(t *testing.T) {
	withFixture(t, func(t *testing.T, tg *target, e *queryExtension, rows []stored) {
		for _, tc := range pocCases() {
			want := expected(rows, tc.match)
			resp := get(t, queryURL(e, tc.params))
			got := ids(t, resp.logs(t))
			assert.Equal(t, want, got, "%s: %s", tc.name, tc.params.Encode())
			assert.Equal(t, json.Number(strconv.Itoa(len(want))), resp.body["total"], tc.name)
			if !strings.HasPrefix(tc.name, "no match") {
				assert.NotEmpty(t, want, "%s selects no fixture row: the case proves nothing", tc.name)
			}
		}
	})
}

// TestQueryLogShape: the POC's keys, start_time in RFC3339 UTC, NULL
// columns as null (the row is not dropped), ai_log as an object, numbers
// as numbers.
func TestQueryLogShape(t *testing.T) {
	withFixture(t, func(t *testing.T, tg *target, e *queryExtension, rows []stored) {
		logs := get(t, queryURL(e, vals("request_id", "req-sparse"))).logs(t)
		require.Len(t, logs, 1, "a row with NULL columns is returned")
		sparse := logs[0]
		for _, key := range pocKeys {
			assert.Contains(t, sparse, key, "POC key %s", key)
		}
		assert.Equal(t, fixtureBase.Add(3*time.Minute).Format(time.RFC3339), sparse["start_time"])
		for _, key := range []string{"trace_id", "model", "consumer", "ai_log", "input_tokens", "upstream_cluster", "mcp_tool"} {
			assert.Nil(t, sparse[key], key)
		}
		assert.Equal(t, json.Number("200"), sparse["response_code"])

		full := get(t, queryURL(e, vals("request_id", "req-06"))).logs(t)[0]
		assert.Equal(t, fixtureBase.Add(42*time.Second).Format(time.RFC3339), full["start_time"])
		assert.Equal(t, "deepseek-r1", full["model"])
		assert.Equal(t, json.Number("16"), full["input_tokens"])
		assert.Equal(t, json.Number("1060"), full["bytes_sent"])
		ai, ok := full["ai_log"].(map[string]any)
		require.True(t, ok, "ai_log is an object: %#v", full["ai_log"])
		assert.Equal(t, "deepseek-r1", ai["model"])
		assert.Equal(t, "16", ai["input_token"], "ai_log values as sent")
		_, hasBody := full["request_body"]
		assert.False(t, hasBody, "bodies are never returned")
	})
}

// pocKeys are the keys of the POC's LogEntry JSON.
var pocKeys = []string{
	"start_time", "authority", "trace_id", "method", "path", "protocol", "request_id", "user_agent",
	"x_forwarded_for", "response_code", "response_flags", "response_code_details", "bytes_received",
	"bytes_sent", "duration", "upstream_cluster", "upstream_host", "upstream_service_time",
	"upstream_transport_failure_reason", "upstream_local_address", "downstream_local_address",
	"downstream_remote_address", "route_name", "requested_server_name", "istio_policy_status", "ai_log",
	"instance_id", "api", "model", "consumer", "route", "service", "mcp_server", "mcp_tool",
	"input_tokens", "output_tokens", "total_tokens",
}

func TestQueryMethodNotAllowed(t *testing.T) {
	tg := gmsTarget(t)
	e := startQuery(t, testConfig(tg, "access_logs"), nil)
	resp, err := http.Post(e.url(pathQuery), "application/json", strings.NewReader("{}"))
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}
