package accesslogqueryextension

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// statsSums are the fixture's summed columns; usageSums are summed too
// where the table has them (create_schema adds them to every DDL).
var (
	statsSums = []string{"bytes_received", "bytes_sent", "input_tokens", "output_tokens", "total_tokens"}
	usageSums = []string{"cached_tokens", "reasoning_tokens", "cost"}
)

// summed is statsSums plus the usage columns the rows' table has.
func summed(rows []stored) []string {
	cols := slices.Clone(statsSums)
	if len(rows) == 0 {
		return cols
	}
	for _, c := range usageSums {
		if _, ok := rows[0].vals[c]; ok {
			cols = append(cols, c)
		}
	}
	return cols
}

// oracleStats computes /query/stats's figures from stored rows: HiMarket's
// definitions (UV distinct x_forwarded_for, fallback internal_redirect,
// error code 0 or >= 400, nearest-rank percentiles of duration).
func oracleStats(rows []stored) map[string]any {
	out := map[string]any{"pv": int64(len(rows))}
	uv := map[string]bool{}
	var fallback, errs int64
	var durations []int64
	sums := map[string]int64{}
	for _, r := range rows {
		if v, ok := r.str("x_forwarded_for"); ok {
			uv[v] = true
		}
		if v, _ := r.str("response_code_details"); v == "internal_redirect" {
			fallback++
		}
		if v, ok := r.str("response_code"); ok {
			if n, _ := strconv.Atoi(v); n == 0 || n >= 400 {
				errs++
			}
		}
		if v, ok := r.str("duration"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			durations = append(durations, n)
		}
		for _, c := range summed(rows) {
			if v, ok := r.str(c); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				sums[c] += n
			}
		}
	}
	out["uv"], out["fallback_count"], out["error_count"] = int64(len(uv)), fallback, errs
	for c, n := range sums {
		out[c] = n
	}
	for _, c := range summed(rows) {
		if _, ok := out[c]; !ok {
			out[c] = int64(0)
		}
	}
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	for _, p := range []struct {
		key string
		q   float64
	}{{"duration_p50", 0.50}, {"duration_p95", 0.95}, {"duration_p99", 0.99}} {
		if len(durations) == 0 {
			out[p.key] = nil
			continue
		}
		out[p.key] = durations[int(math.Ceil(p.q*float64(len(durations))))-1]
	}
	return out
}

// asPlain turns a stats object from the response into comparable values.
func asPlain(t *testing.T, o map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range o {
		if n, ok := v.(json.Number); ok {
			i, err := n.Int64()
			require.NoError(t, err, "%s=%s", k, n)
			out[k] = i
			continue
		}
		out[k] = v
	}
	return out
}

func groupOf(r stored, cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		if v, ok := r.str(c); ok {
			parts[i] = v
		} else {
			parts[i] = "<null>"
		}
	}
	return strings.Join(parts, "|")
}

// TestStats: overall and per group, the figures equal the oracle's on
// every server and DDL, filters and window applied.
func TestStats(t *testing.T) {
	from, to := fixtureWindow()
	withFixture(t, func(t *testing.T, tg *target, e *queryExtension, rows []stored) {
		for _, groups := range [][]string{nil, {"model"}, {"consumer"}, {"route_name"}, {"upstream_cluster"}, {"mcp_tool"}, {"model", "consumer"}} {
			for _, filter := range []struct {
				params []string
				match  pred
			}{{nil, all()}, {[]string{"method", "POST"}, eq("method", "POST")}} {
				q := vals(append([]string{"start_time", from, "end", to}, filter.params...)...)
				if groups != nil {
					q.Set("group_by", strings.Join(groups, ","))
				}
				resp := get(t, e.url(pathStats+"?"+q.Encode()))
				require.Equal(t, http.StatusOK, resp.code, resp.raw)
				data := resp.body["data"].(map[string]any)
				var sel []stored
				for _, r := range rows {
					if filter.match(r) {
						sel = append(sel, r)
					}
				}
				label := fmt.Sprintf("group_by=%v filter=%v", groups, filter.params)
				assert.Equal(t, oracleStats(sel), asPlain(t, data["kpi"].(map[string]any)), label)
				if groups == nil {
					assert.NotContains(t, data, "groups")
					continue
				}
				byGroup := map[string][]stored{}
				for _, r := range sel {
					byGroup[groupOf(r, groups)] = append(byGroup[groupOf(r, groups)], r)
				}
				list := data["groups"].([]any)
				assert.Len(t, list, len(byGroup), label)
				assert.Equal(t, false, data["groups_truncated"])
				prevPV := int64(math.MaxInt64)
				for _, g := range list {
					got := asPlain(t, g.(map[string]any))
					key := make([]string, len(groups))
					for i, c := range groups {
						if got[c] == nil {
							key[i] = "<null>"
						} else {
							key[i] = got[c].(string)
						}
						delete(got, c)
					}
					k := strings.Join(key, "|")
					require.Contains(t, byGroup, k, label)
					assert.Equal(t, oracleStats(byGroup[k]), got, "%s group %s", label, k)
					assert.LessOrEqual(t, got["pv"].(int64), prevPV, "largest groups first")
					prevPV = got["pv"].(int64)
				}
			}
		}
	})
}

// TestStatsColumnsFollowTheTable: sums are the field table's numeric
// columns the table has, read again after schema_refresh: a column that
// goes away drops out, a column the field table does not know is never
// summed.
func TestStatsColumnsFollowTheTable(t *testing.T) {
	tg := mariaTarget(t)
	w := startWriter(t, tg, "access_logs")
	w.post(t, fixture()...)
	cfg := testConfig(tg, "access_logs")
	cfg.SchemaRefresh = 100 * time.Millisecond
	e := startQuery(t, cfg, nil)
	from, to := fixtureWindow()
	kpi := func() map[string]any {
		resp := get(t, e.url(pathStats+"?"+vals("start_time", from, "end", to).Encode()))
		require.Equal(t, http.StatusOK, resp.code, resp.raw)
		return resp.body["data"].(map[string]any)["kpi"].(map[string]any)
	}
	before := kpi()
	for _, c := range statsSums {
		assert.Contains(t, before, c)
	}
	tg.exec(t, "ALTER TABLE "+tg.table("access_logs")+" DROP COLUMN `bytes_sent`",
		"ALTER TABLE "+tg.table("access_logs")+" ADD COLUMN `not_a_field` BIGINT DEFAULT 7")
	// The new column list is read once schema_refresh has passed; until
	// then the dropped column fails the statement.
	require.Eventually(t, func() bool {
		return get(t, e.url(pathStats+"?"+vals("start_time", from, "end", to).Encode())).code == http.StatusOK
	}, time.Minute, 20*time.Millisecond)
	after := kpi()
	assert.NotContains(t, after, "bytes_sent")
	assert.NotContains(t, after, "not_a_field")
	assert.Equal(t, before["total_tokens"], after["total_tokens"])
}

// TestStatsGroupLimit: at most max_groups groups, largest first, flagged.
func TestStatsGroupLimit(t *testing.T) {
	tg := gmsTarget(t)
	w := startWriter(t, tg, "access_logs")
	w.post(t, fixture()...)
	cfg := testConfig(tg, "access_logs")
	cfg.MaxGroups = 2
	e := startQuery(t, cfg, nil)
	from, to := fixtureWindow()
	resp := get(t, e.url(pathStats+"?"+vals("start_time", from, "end", to, "group_by", "model").Encode()))
	require.Equal(t, http.StatusOK, resp.code, resp.raw)
	data := resp.body["data"].(map[string]any)
	assert.Len(t, data["groups"], 2)
	assert.Equal(t, true, data["groups_truncated"])
}
