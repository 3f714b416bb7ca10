package mysqlaccesslogexporter

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// himarketEntries: 100 LLM calls (i = 1..100, one per second from 10:00:01),
// 5 MCP calls, one fallback, and one call outside the queried window.
func himarketEntries() []map[string]any {
	base := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	var out []map[string]any
	for i := 1; i <= 100; i++ {
		model := "gpt-4o"
		if i%2 == 0 {
			model = "qwen-max"
		}
		consumer := "bob"
		if i%4 == 0 {
			consumer = "alice"
		}
		cache, rtype := "miss", "normal"
		if i%10 == 0 {
			cache = "hit"
		}
		if i%3 == 0 {
			rtype = "stream"
		}
		out = append(out, map[string]any{
			"start_time": base.Add(time.Duration(i) * time.Second).Format(time.RFC3339),
			"request_id": fmt.Sprintf("llm-%d", i), "path": "/v1/chat/completions", "method": "POST",
			"response_code": 200, "response_code_details": "via_upstream", "duration": i,
			"x_forwarded_for": fmt.Sprintf("10.0.0.%d", i%7), "model": model, "consumer": consumer,
			"upstream_cluster": "outbound|443||" + model, "input_tokens": 10, "output_tokens": i, "total_tokens": 10 + i,
			"ai_log": map[string]any{"model": model, "cache_status": cache, "response_type": rtype, "llm_service_duration": i},
		})
	}
	for i := range 5 {
		tool := "get_forecast"
		if i >= 3 {
			tool = "list_cities"
		}
		out = append(out, map[string]any{
			"start_time": base.Add(time.Duration(200+i) * time.Second).Format(time.RFC3339),
			"request_id": fmt.Sprintf("mcp-%d", i), "path": "/mcp-servers/weather/mcp", "method": "POST",
			"response_code": 200, "duration": 5000, "x_forwarded_for": "10.0.0.100",
			"mcp_server": "weather", "mcp_tool": tool, "ai_log": map[string]any{"mcp_tool_name": tool},
		})
	}
	out = append(out,
		map[string]any{"start_time": base.Add(300 * time.Second).Format(time.RFC3339), "request_id": "fallback",
			"path": "/v1/chat/completions", "response_code": 200, "response_code_details": "internal_redirect",
			"x_forwarded_for": "10.0.0.1", "duration": 7000},
		map[string]any{"start_time": base.Add(-24 * time.Hour).Format(time.RFC3339), "request_id": "yesterday",
			"path": "/v1/chat/completions", "response_code": 200, "model": "qwen-max", "total_tokens": 1000000},
	)
	return out
}

// TestHiMarketQueries runs the computations HiMarket makes (CONTRACT §4)
// on the MySQL 8 dialect server against rows written by the exporter.
func TestHiMarketQueries(t *testing.T) {
	tg := gmsTarget(t)
	exp, _ := startExporter(t, testConfig(tg, tg.dsn), nopSettings())
	require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(himarketEntries()...)))

	tbl := qualified(tg.database, "access_logs")
	window := " start_time BETWEEN '2026-03-01 10:00:00' AND '2026-03-01 11:00:00' "
	q := func(query string, args ...any) [][]string {
		t.Helper()
		rows, err := tg.admin.Query(query, args...)
		require.NoError(t, err, query)
		defer rows.Close()
		cols, err := rows.Columns()
		require.NoError(t, err)
		var out [][]string
		for rows.Next() {
			vals := make([]any, len(cols))
			strs := make([]*string, len(cols))
			for i := range vals {
				vals[i] = &strs[i]
			}
			require.NoError(t, rows.Scan(vals...))
			line := make([]string, len(cols))
			for i, s := range strs {
				if s != nil {
					line[i] = *s
				} else {
					line[i] = "NULL"
				}
			}
			out = append(out, line)
		}
		require.NoError(t, rows.Err())
		return out
	}

	// KPIs: PV, UV, fallbacks, bytes, tokens from the columns.
	assert.Equal(t, [][]string{{"106", "8", "1", "3050", "3000"}}, q(`SELECT COUNT(*), COUNT(DISTINCT x_forwarded_for),
		SUM(CASE WHEN response_code_details = 'internal_redirect' THEN 1 ELSE 0 END),
		SUM(CASE WHEN model = 'qwen-max' THEN total_tokens ELSE 0 END), SUM(CASE WHEN model = 'gpt-4o' THEN total_tokens ELSE 0 END)
		FROM `+tbl+` WHERE`+window))

	// Token tables by model and by consumer (IS NOT NULL: NULL, not '').
	assert.Equal(t, [][]string{{"gpt-4o", "500", "2500", "3000"}, {"qwen-max", "500", "2550", "3050"}},
		q(`SELECT model, SUM(input_tokens), SUM(output_tokens), SUM(total_tokens) FROM `+tbl+
			` WHERE`+window+`AND model IS NOT NULL GROUP BY model ORDER BY model`))
	assert.Equal(t, [][]string{{"alice", "250", "1300", "1550"}, {"bob", "750", "3750", "4500"}},
		q(`SELECT consumer, SUM(input_tokens), SUM(output_tokens), SUM(total_tokens) FROM `+tbl+
			` WHERE`+window+`AND consumer IS NOT NULL GROUP BY consumer ORDER BY consumer`))

	// p99 of duration with window functions (nearest rank).
	assert.Equal(t, [][]string{{"99"}}, q(`SELECT MIN(duration) FROM (SELECT duration,
		ROW_NUMBER() OVER (ORDER BY duration) AS rn, COUNT(*) OVER () AS cnt
		FROM `+tbl+` WHERE`+window+`AND model IS NOT NULL) p WHERE rn >= CEIL(cnt * 0.99)`))

	// Cache hit/miss and response types from ai_log.
	assert.Equal(t, [][]string{{"hit", "10"}, {"miss", "90"}}, q(`SELECT ai_log->>'$.cache_status' AS s, COUNT(*) FROM `+tbl+
		` WHERE`+window+`AND ai_log->>'$.cache_status' IS NOT NULL GROUP BY s ORDER BY s`))
	assert.Equal(t, [][]string{{"normal", "67"}, {"stream", "33"}}, q(`SELECT ai_log->>'$.response_type' AS s, COUNT(*) FROM `+tbl+
		` WHERE`+window+`AND ai_log->>'$.response_type' IS NOT NULL GROUP BY s ORDER BY s`))

	// MCP by tool.
	assert.Equal(t, [][]string{{"get_forecast", "200", "3"}, {"list_cities", "200", "2"}},
		q(`SELECT mcp_tool, response_code, COUNT(*) FROM `+tbl+` WHERE`+window+
			`AND path LIKE '/mcp-servers%' GROUP BY mcp_tool, response_code ORDER BY mcp_tool`))

	// Model rows via ai_log->>'$.model' on valid JSON.
	assert.Equal(t, [][]string{{"gpt-4o", "50"}, {"qwen-max", "50"}}, q(`SELECT ai_log->>'$.model' AS m, COUNT(*) FROM `+tbl+
		` WHERE`+window+`AND JSON_VALID(ai_log) AND ai_log->>'$.model' IS NOT NULL AND ai_log->>'$.model' <> ''
		GROUP BY m ORDER BY m`))

	// Per-minute buckets, as the charts group them.
	m := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC).Unix() / 60
	bucket := func(plus int64) string { return fmt.Sprint(m + plus) }
	assert.Equal(t, [][]string{{bucket(0), "59"}, {bucket(1), "41"}, {bucket(3), "5"}, {bucket(5), "1"}},
		q(`SELECT FLOOR(UNIX_TIMESTAMP(start_time) / 60) AS b, COUNT(*) FROM `+tbl+` WHERE`+window+`GROUP BY b ORDER BY b`))

	// Filter drop-downs.
	assert.Equal(t, [][]string{{"gpt-4o"}, {"qwen-max"}}, q(`SELECT DISTINCT model FROM `+tbl+
		` WHERE`+window+`AND model IS NOT NULL ORDER BY model`))
	assert.Equal(t, [][]string{{"weather"}}, q(`SELECT DISTINCT mcp_server FROM `+tbl+
		` WHERE`+window+`AND mcp_server IS NOT NULL`))
}
