package accesslogqueryextension

import (
	"encoding/json"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func codeIn(low, high int) pred {
	return func(r stored) bool {
		s, ok := r.str("response_code")
		n, _ := strconv.Atoi(s)
		return ok && n >= low && n < high
	}
}

func atLeast(col string, min int) pred {
	return func(r stored) bool {
		s, ok := r.str(col)
		n, _ := strconv.Atoi(s)
		return ok && n >= min
	}
}

// The filters an operator reaches for first: a status class, errors only
// (HiMarket's definition: 0 or >= 400), a minimum latency, any text column.
func TestOperatorFilters(t *testing.T) {
	cases := []pocCase{
		{"5xx", vals("status", "5xx"), codeIn(500, 600)},
		{"4xx", vals("response_code", "4xx"), codeIn(400, 500)},
		{"2xx and 200", vals("response_code", "2XX", "status", "200"), codeIn(200, 201)},
		{"errors only", vals("errors", "true"), func(r stored) bool { return codeIn(400, 1000)(r) || eq("response_code", "0")(r) }},
		{"errors false is no filter", vals("errors", "false"), all()},
		{"min_duration", vals("min_duration", "120"), atLeast("duration", 120)},
		{"errors of a model, slow", vals("errors", "true", "model", "qwen-max", "min_duration", "50"),
			all(codeIn(400, 1000), eq("model", "qwen-max"), atLeast("duration", 50))},
		{"route_name, a text column the POC had no filter for", vals("route_name", "ai-route-b"), eq("route_name", "ai-route-b")},
		{"response_flags", vals("response_flags", "-"), eq("response_flags", "-")},
	}
	withFixture(t, func(t *testing.T, tg *target, e *queryExtension, rows []stored) {
		for _, c := range cases {
			got := ids(t, get(t, queryURL(e, c.params)).logs(t))
			assert.Equal(t, expected(rows, c.match), got, c.name)
		}
		for _, bad := range []url.Values{vals("status", "6xx"), vals("status", "5x"), vals("errors", "yes"), vals("min_duration", "-1"), vals("min_duration", "1s")} {
			resp := get(t, queryURL(e, bad))
			assert.Equal(t, 400, resp.code, "%v", bad)
		}
	})
}

// A request_id or trace_id without a time range finds the row whatever its
// age: the fixture is months before now, far outside the default hour.
func TestLookupWithoutWindow(t *testing.T) {
	withFixture(t, func(t *testing.T, tg *target, e *queryExtension, rows []stored) {
		resp := get(t, e.url(pathQuery+"?request_id=req-07"))
		require.Equal(t, 200, resp.code)
		assert.Equal(t, expected(rows, eq("request_id", "req-07")), ids(t, resp.logs(t)))

		resp = get(t, e.url(pathQuery+"?trace_id=trace-03&page_size=1"))
		want := expected(rows, eq("trace_id", "trace-03"))
		require.Len(t, want, 2)
		assert.Equal(t, want[:1], ids(t, resp.logs(t)))
		next, _ := resp.body["next"].(string)
		require.NotEmpty(t, next, "paging works without a window too")
		resp = get(t, e.url(pathQuery+"?trace_id=trace-03&page_size=1&next="+url.QueryEscape(next)))
		assert.Equal(t, want[1:], ids(t, resp.logs(t)))

		// Any time bound makes it a windowed query again.
		resp = get(t, e.url(pathQuery+"?request_id=req-07&end="+url.QueryEscape(time.Now().UTC().Format(time.RFC3339))))
		assert.Empty(t, resp.logs(t), "the last hour has no fixture row")

		stats := get(t, e.url(pathStats+"?request_id=req-07"))
		require.Equal(t, 200, stats.code)
		assert.Equal(t, json.Number("1"), stats.body["data"].(map[string]any)["kpi"].(map[string]any)["pv"])
	})
}
