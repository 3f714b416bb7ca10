package mysqlaccesslogexporter

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/otelcol-higress/otelcol-higress/internal/cpubench"
)

// The index sets BenchmarkIndexSets compares. "old" is what create_schema
// made before: the idempotency key, start_time and (column, start_time)
// for eleven columns. "filters" keeps (column, start_time) only for the
// columns HiMarket's OR-chained filters put in SQL. "minimal" is the
// idempotency key and start_time, which every HiMarket query and retention
// range on.
var benchIndexSets = []struct {
	name    string
	columns []string // each gets (column, start_time)
}{
	{"old", []string{"trace_id", "authority", "response_code", "upstream_cluster", "route_name", "instance_id", "api", "model", "consumer", "mcp_server", "mcp_tool"}},
	{"filters", []string{"api", "model", "consumer", "route_name", "upstream_cluster"}},
	{"minimal", nil},
	// lookup (the default since the log explorer finds a request by id
	// whatever its age): filters plus request_id and trace_id.
	{"lookup", []string{"api", "model", "consumer", "route_name", "upstream_cluster", "request_id", "trace_id"}},
}

// benchShapes are the dashboard requests timed: the admin UI's default
// interval (15 s) over the last hour and the last six hours, without
// filters and with the filters that reach SQL, on the model dashboard;
// the MCP dashboard over the last hour.
type benchShape struct {
	name    string
	window  time.Duration
	mcp     bool
	filters []hmFilter
}

var benchShapes = []benchShape{
	{name: "1h", window: time.Hour},
	{name: "1h-model", window: time.Hour, filters: []hmFilter{{"model", []string{"qwen-max"}}}},
	{name: "1h-consumer", window: time.Hour, filters: []hmFilter{{"consumer", []string{"consumer-7"}}}},
	{name: "1h-model+consumer", window: time.Hour, filters: []hmFilter{{"model", []string{"qwen-max", "gpt-4o"}}, {"consumer", []string{"consumer-3"}}}},
	{name: "1h-mcp", window: time.Hour, mcp: true},
	{name: "6h", window: 6 * time.Hour},
	{name: "6h-model", window: 6 * time.Hour, filters: []hmFilter{{"model", []string{"qwen-max"}}}},
}

// BenchmarkIndexSets measures, for each index set, the insert throughput
// into a table of benchRows rows (24 h of traffic, written in time order
// through the exporter in batches of 1000, one connection) and the time
// HiMarket's 48 templates take over it, per dashboard request shape (the
// median of three runs of each template, summed). -count repeats each set
// in a row; on a shared machine interleave the sets instead (BENCHMARKS.md
// has the loop):
//
//	go test -c -o exp.test ./exporter/mysqlaccesslogexporter
//	for r in 1 2 3; do for s in old filters minimal; do
//	  ./exp.test -test.run '^$' -test.bench "IndexSets/^$s\$" -test.benchtime 1x; done; done
//
// Reported per run: rows/s (wall), db-cpu-s/10k-rows (the database
// server's CPU, from /proc, steadier on a shared machine), q-lookup-ms (a
// request_id lookup without a window), and one q-<shape>-ms metric per
// request shape (left out with INDEXBENCH_WRITES_ONLY=1). INDEXBENCH_ROWS overrides the
// row count; INDEXBENCH_DETAIL=<dir> writes each template's median to a
// file per set and run.
func BenchmarkIndexSets(b *testing.B) {
	rows := 150_000
	if v, err := strconv.Atoi(os.Getenv("INDEXBENCH_ROWS")); err == nil && v > 0 {
		rows = v
	}
	templates := loadHiMarketTemplates(b)
	for _, set := range benchIndexSets {
		b.Run(set.name, func(b *testing.B) {
			for range b.N {
				runIndexSet(b, set.name, set.columns, rows, templates)
			}
		})
	}
}

// benchEnd is the end of the synthetic day of traffic.
var benchEnd = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

func runIndexSet(b *testing.B, name string, columns []string, rows int, templates []hmTemplate) {
	b.StopTimer()
	tg := mariaTargetB(b)
	tbl := qualified(tg.database, "access_logs")
	stmts := []string{createTableSQL(tg.database, "access_logs", tg.flavor, false, time.Time{}, 0),
		"CREATE UNIQUE INDEX `uk_record_uid` ON " + tbl + " (`record_uid`)",
		"CREATE INDEX `idx_start_time` ON " + tbl + " (`start_time`)"}
	for _, c := range columns {
		stmts = append(stmts, "CREATE INDEX `idx_"+c+"_time` ON "+tbl+" (`"+c+"`, `start_time`)")
	}
	for _, s := range stmts {
		_, err := tg.admin.Exec(s)
		require.NoError(b, err, s)
	}
	cfg := testConfig(tg, tg.dsn)
	cfg.CreateSchema = false // the set above, nothing added
	exp, err := NewFactory().CreateLogs(context.Background(), nopSettings(), cfg)
	require.NoError(b, err)
	require.NoError(b, exp.Start(context.Background(), &statusHost{}))
	defer func() { require.NoError(b, exp.Shutdown(context.Background())) }()

	// Insert: 24 h of traffic in time order, batches of 1000.
	const batch = 1000
	step := 24 * time.Hour / time.Duration(rows)
	rng := rand.New(rand.NewPCG(1, 2))
	var wall time.Duration
	dbBefore := serverCPU()
	for start := 0; start < rows; start += batch {
		entries := make([]map[string]any, 0, batch)
		for i := start; i < min(start+batch, rows); i++ {
			entries = append(entries, benchEntry(rng, i, benchEnd.Add(-24*time.Hour+time.Duration(i)*step)))
		}
		logs := entryLogs(entries...)
		begin := time.Now()
		require.NoError(b, exp.ConsumeLogs(context.Background(), logs))
		wall += time.Since(begin)
	}
	dbCPU := serverCPU() - dbBefore
	b.ReportMetric(float64(rows)/wall.Seconds(), "rows/s")
	if dbBefore > 0 {
		b.ReportMetric(dbCPU.Seconds()/float64(rows)*10000, "db-cpu-s/10k-rows")
	}
	_, err = tg.admin.Exec("ANALYZE TABLE " + tbl)
	require.NoError(b, err)
	db := inDatabase(b, tg)
	db.SetMaxOpenConns(1)

	// The query extension's lookup of one request by request_id with no
	// time window (the median of 21).
	var lookups []time.Duration
	for i := range 21 {
		id := fmt.Sprintf("ib-%d", (i*7919)%rows)
		begin := time.Now()
		got, err := queryStrings(db, "SELECT `id` FROM "+tbl+" WHERE `request_id` = ? ORDER BY `start_time` DESC, `id` DESC LIMIT 11", id)
		require.NoError(b, err)
		require.Len(b, got, 1, id)
		lookups = append(lookups, time.Since(begin))
	}
	slices.Sort(lookups)
	b.ReportMetric(float64(lookups[10].Microseconds())/1000, "q-lookup-ms")
	if os.Getenv("INDEXBENCH_WRITES_ONLY") != "" {
		return // the insert cost and the lookup only
	}

	// Queries: every template of every shape, three times each.
	var detail []string
	for _, shape := range benchShapes {
		req := hmRequest{from: benchEnd.Add(-shape.window), to: benchEnd, interval: 15, mcp: shape.mcp, filters: shape.filters}
		var total time.Duration
		for _, tpl := range templates {
			query, args := req.expand(tpl.sql)
			if shape.mcp && strings.Contains(query, "REGEXP_LIKE") {
				continue // not on MariaDB
			}
			var times []time.Duration
			for range 3 {
				begin := time.Now()
				_, err := queryStrings(db, query, args...)
				require.NoError(b, err, tpl.key)
				times = append(times, time.Since(begin))
			}
			slices.Sort(times)
			total += times[1]
			detail = append(detail, fmt.Sprintf("%s\t%s\t%.2f", shape.name, tpl.key, float64(times[1].Microseconds())/1000))
		}
		b.ReportMetric(float64(total.Microseconds())/1000, "q-"+shape.name+"-ms")
	}
	if dir := os.Getenv("INDEXBENCH_DETAIL"); dir != "" {
		file := filepath.Join(dir, fmt.Sprintf("%s-%d.tsv", name, time.Now().UnixNano()))
		require.NoError(b, os.WriteFile(file, []byte(strings.Join(detail, "\n")+"\n"), 0o600))
	}
}

// benchEntry is one entry of a gateway serving a dozen models to a few
// hundred consumers: Zipf-like popularity, 10 % MCP calls, a few percent
// errors, the ai_log keys HiMarket reads.
func benchEntry(rng *rand.Rand, seq int, at time.Time) map[string]any {
	models := []string{"qwen-max", "gpt-4o", "qwen-plus", "deepseek-v3", "gpt-4o-mini", "qwen-turbo", "claude-3-5", "glm-4",
		"moonshot-v1", "doubao-pro", "ernie-4", "llama-3-70b"}
	zipf := func(n int) int { return min(int(float64(n)*rng.Float64()*rng.Float64()), n-1) }
	model := models[zipf(len(models))]
	consumer := fmt.Sprintf("consumer-%d", zipf(300))
	code := 200
	switch r := rng.IntN(100); {
	case r < 2:
		code = 429
	case r < 4:
		code = 503
	case r < 5:
		code = 404
	}
	in, out := 50+rng.IntN(2000), 10+rng.IntN(800)
	e := map[string]any{
		"start_time": at.Format(time.RFC3339), "request_id": fmt.Sprintf("ib-%d", seq), "trace_id": fmt.Sprintf("%032x", rng.Uint64()),
		"authority": fmt.Sprintf("api%d.example.com", zipf(5)), "method": "POST", "protocol": "HTTP/1.1",
		"user_agent": "openai-python/1.52.0", "x_forwarded_for": fmt.Sprintf("10.%d.%d.%d", zipf(4), rng.IntN(50), rng.IntN(250)),
		"response_code": code, "response_flags": "-", "response_code_details": "via_upstream",
		"bytes_received": 500 + rng.IntN(4000), "bytes_sent": 1000 + rng.IntN(20000), "duration": 80 + rng.IntN(5000),
		"upstream_host": "10.1.2.3:443", "upstream_service_time": strconv.Itoa(70 + rng.IntN(5000)),
		"downstream_local_address": "10.0.0.5:80", "downstream_remote_address": "10.9.8.7:40000",
		"requested_server_name": "api.example.com", "instance_id": fmt.Sprintf("higress-gateway-%d", rng.IntN(4)),
		"api": fmt.Sprintf("api-%d", zipf(6)), "consumer": consumer,
	}
	ai := map[string]any{"model": model, "input_token": in, "output_token": out, "total_token": in + out,
		"llm_service_duration": 100 + rng.IntN(5000), "response_type": []string{"stream", "normal"}[rng.IntN(2)],
		"cache_status": []string{"hit", "miss", "skip"}[rng.IntN(3)], "consumer": consumer}
	if ai["response_type"] == "stream" {
		ai["llm_first_token_duration"] = 50 + rng.IntN(900)
	}
	if code == 429 {
		ai["token_ratelimit_status"] = "limited"
	}
	if rng.IntN(50) == 0 {
		ai["safecheck_status"], ai["safecheck_riskLabel"] = "reqeust deny", "politics"
	}
	if rng.IntN(10) == 0 {
		server, tool := fmt.Sprintf("mcp-%d", zipf(5)), fmt.Sprintf("tool-%d", zipf(20))
		e["path"] = "/mcp-servers/" + server + "/sse"
		e["mcp_server"], e["mcp_tool"] = server, tool
		e["route_name"], e["upstream_cluster"] = "mcp-route-"+server, "outbound|80||"+server+".mcp"
		ai = map[string]any{"mcp_tool_name": tool, "jsonrpc_method": "tools/call"}
	} else {
		e["path"] = "/v1/chat/completions"
		e["model"] = model
		e["route_name"], e["upstream_cluster"] = "ai-route-"+model, "outbound|443||llm-"+model+".dns"
		e["input_tokens"], e["output_tokens"], e["total_tokens"] = in, out, in+out
	}
	e["ai_log"] = ai
	return e
}

// serverCPU is the database server's CPU time so far (user + system), 0
// when its process is not on this machine.
func serverCPU() time.Duration {
	pid := cpubench.DatabasePID()
	if pid == 0 {
		return 0
	}
	d, _ := cpubench.ProcStatCPU(fmt.Sprintf("/proc/%d/stat", pid))
	return d
}
