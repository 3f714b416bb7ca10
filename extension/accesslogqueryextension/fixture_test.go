package accesslogqueryextension

import (
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// fixtureBase is when the fixture's requests start; tests query explicit
// windows around it.
var fixtureBase = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

const fixtureRows = 32

// fixture is db-log-pusher JSON as the plugin sends it, varied so that
// every filter selects a different subset; values are ASCII of one case
// that sorts the same under every collation the servers use.
func fixture() []map[string]any {
	models := []string{"qwen-max", "gpt-4o", "deepseek-r1", ""}
	consumers := []string{"alice", "bob", ""}
	paths := []string{"/v1/chat/completions", "/v1/embeddings", "/mcp-servers/weather/sse", "/v1/files/100%_done"}
	codes := []int{200, 200, 404, 500, 200, 429}
	routes := []string{"ai-route-a", "ai-route-b", "-"}
	var out []map[string]any
	for i := range fixtureRows - 1 {
		e := map[string]any{
			"start_time":            fixtureBase.Add(time.Duration(i) * 7 * time.Second).Format(time.RFC3339),
			"authority":             []string{"api.example.com", "llm.example.com"}[i%2],
			"method":                []string{"GET", "POST", "POST"}[i%3],
			"path":                  paths[i%len(paths)],
			"protocol":              "HTTP/1.1",
			"request_id":            fmt.Sprintf("req-%02d", i),
			"trace_id":              "",
			"response_code":         codes[i%len(codes)],
			"response_code_details": "via_upstream",
			"response_flags":        "-",
			"bytes_received":        100 + i,
			"bytes_sent":            1000 + 10*i,
			"duration":              (i*37)%250 + 5,
			"x_forwarded_for":       fmt.Sprintf("10.0.0.%d", i%6),
			"instance_id":           fmt.Sprintf("gw-%d", i%2),
			"api":                   "",
			"model":                 models[i%4],
			"consumer":              consumers[i%3],
			"route":                 fmt.Sprintf("r-%d", i%3),
			"route_name":            routes[i%3],
			"service":               "svc-a",
			"upstream_cluster":      fmt.Sprintf("outbound|443||llm-%d.dns", i%3),
			"mcp_server":            "",
			"mcp_tool":              "",
		}
		if i%5 != 0 {
			e["trace_id"] = fmt.Sprintf("trace-%02d", i/2)
		}
		if i%3 != 0 {
			e["api"] = "chat-api@v1"
		}
		if i%2 == 1 {
			e["service"] = "llm.example.com"
		}
		if i%4 == 0 {
			// No upstream and no service: upstream_cluster stays NULL.
			e["upstream_cluster"], e["service"] = "", ""
		}
		if i%7 == 3 {
			e["response_code_details"] = "internal_redirect"
		}
		if strings.HasPrefix(paths[i%len(paths)], "/mcp-servers/") && i%3 == 2 {
			e["mcp_tool"] = "get_forecast"
		}
		ai := map[string]any{"cache_status": []string{"hit", "miss"}[i%2], "response_type": "stream"}
		switch i % 4 {
		case 3:
			// Usage only in ai_log, numbers as strings: the columns are
			// filled from it; the model is unknown there.
			ai["model"] = "unknown"
		default:
			ai["model"] = models[i%4]
			ai["input_token"] = strconv.Itoa(10 + i)
			ai["output_token"] = 20 + i
			if i%2 == 0 {
				e["input_tokens"], e["output_tokens"], e["total_tokens"] = 10+i, 20+i, 30+2*i
			}
		}
		if i%5 != 4 {
			e["ai_log"] = ai
		}
		out = append(out, e)
	}
	// A sparse entry: most columns stay NULL.
	out = append(out, map[string]any{
		"start_time": fixtureBase.Add(3 * time.Minute).Format(time.RFC3339),
		"method":     "POST", "path": "/sparse", "request_id": "req-sparse", "response_code": 200,
	})
	return out
}

// fixtureWindow covers every fixture row.
func fixtureWindow() (string, string) {
	return fixtureBase.Add(-time.Minute).Format(time.RFC3339), fixtureBase.Add(time.Hour).Format(time.RFC3339)
}

// stored is a row as the table holds it, read directly with SQL.
type stored struct {
	id    int64
	start time.Time
	vals  map[string]*string // column (lower case) → text; nil is NULL
}

func (r stored) str(col string) (string, bool) {
	v := r.vals[col]
	if v == nil {
		return "", false
	}
	return *v, true
}

func readStored(t *testing.T, tg *target, table string) []stored {
	t.Helper()
	rows, err := tg.admin.Query("SELECT * FROM " + tg.table(table) + " ORDER BY id")
	require.NoError(t, err)
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var out []stored
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		r := stored{vals: map[string]*string{}}
		for i, c := range cols {
			c = strings.ToLower(c)
			if vals[i].Valid {
				s := vals[i].String
				r.vals[c] = &s
			} else {
				r.vals[c] = nil
			}
		}
		r.id, err = strconv.ParseInt(*r.vals["id"], 10, 64)
		require.NoError(t, err)
		st := *r.vals["start_time"]
		if sec, err := strconv.ParseInt(st, 10, 64); err == nil {
			r.start = time.Unix(sec, 0).UTC()
		} else {
			r.start, err = time.Parse(time.RFC3339Nano, st)
			require.NoError(t, err, st)
		}
		out = append(out, r)
	}
	require.NoError(t, rows.Err())
	return out
}
