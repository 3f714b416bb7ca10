package mysqlaccesslogexporter

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-higress/otelcol-higress/internal/mysqlconn"
)

// The 48 SQL templates HiMarket's DB mode runs (observability.log-source=DB),
// verbatim from higress-group/himarket (DBCollectorPresetSqlRegistry), one
// per line after a "-- [NN/48] key=… type=…" header.
const himarketQueries = "testdata/himarket/queries.sql"

// hmTemplate is one preset: LINE (time series), CARD (one row) or TABLE.
type hmTemplate struct {
	key, kind, sql string
}

var hmHeader = regexp.MustCompile(`^-- \[\d+/48\] key=(\S+) type=(\S+)`)

func loadHiMarketTemplates(t testing.TB) []hmTemplate {
	t.Helper()
	b, err := os.ReadFile(himarketQueries)
	require.NoError(t, err)
	var out []hmTemplate
	lines := strings.Split(string(b), "\n")
	for i, line := range lines {
		m := hmHeader.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		require.Less(t, i+1, len(lines))
		out = append(out, hmTemplate{key: m[1], kind: m[2], sql: strings.TrimSuffix(strings.TrimSpace(lines[i+1]), ";")})
	}
	require.Len(t, out, 48)
	return out
}

// hmRequest is what the admin UI sends: a window (whole seconds, both
// ends inclusive), a bucket interval, the dashboard (bizType) and the
// filters that reach SQL (api, model, consumer, route, service).
type hmRequest struct {
	from, to time.Time
	interval int
	mcp      bool // bizType MCP_SERVER, else MODEL_API
	filters  []hmFilter
}

type hmFilter struct {
	column string
	values []string
}

// expand does what DBCollectorServiceImpl does: {interval} and /*BIZ*/
// spliced as text, /*WHERE*/ as "WHERE 1=1" + bounds + OR-chains of
// equalities, each value a bind parameter (here `?` in order).
func (r hmRequest) expand(tpl string) (string, []any) {
	where := "WHERE 1=1 AND start_time >= ? AND start_time <= ?"
	args := []any{r.from, r.to}
	for _, f := range r.filters {
		var ors []string
		for _, v := range f.values {
			ors = append(ors, f.column+" = ?")
			args = append(args, v)
		}
		where += " AND (" + strings.Join(ors, " OR ") + ")"
	}
	biz := "AND JSON_VALID(ai_log) AND NULLIF(JSON_UNQUOTE(JSON_EXTRACT(ai_log, '$.model')), '') IS NOT NULL"
	if r.mcp {
		biz = "AND REGEXP_LIKE(path, '^/mcp-servers')"
	}
	// Every /*WHERE*/ is the same text; its binds repeat once per occurrence.
	n := strings.Count(tpl, "/*WHERE*/")
	all := make([]any, 0, n*len(args))
	for range n {
		all = append(all, args...)
	}
	s := strings.ReplaceAll(tpl, "{interval}", strconv.Itoa(r.interval))
	s = strings.ReplaceAll(s, "/*WHERE*/", where)
	s = strings.ReplaceAll(s, "/*BIZ*/", biz)
	return s, all
}

// TestHiMarketTemplates runs every HiMarket template, expanded as HiMarket
// expands it, over rows the collector (higresslog → ailog → mysqlaccesslog)
// wrote from posted entries, on MariaDB and on the MySQL 8 dialect server,
// and checks each result against numbers computed here from the entries
// themselves. The one known exception: REGEXP_LIKE (the MCP dashboard's
// /*BIZ*/) does not exist on MariaDB.
func TestHiMarketTemplates(t *testing.T) {
	templates := loadHiMarketTemplates(t)
	entries := himarketEntries()
	rows := expectedRows(entries)
	window := hmRequest{from: hmBase, to: hmBase.Add(10 * time.Minute)}
	eachTarget(t, func(t *testing.T, tg *target) {
		exp, _ := startExporter(t, testConfig(tg, tg.dsn), nopSettings())
		body, err := json.Marshal(entries)
		require.NoError(t, err)
		resp, err := http.Post(startPipeline(t, exp), "application/json", bytes.NewReader(body))
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, len(entries), tg.count(t, "SELECT COUNT(*) FROM "+qualified(tg.database, "access_logs")))
		db := inDatabase(t, tg)

		for _, req := range []hmRequest{
			withInterval(window, 15, false), withInterval(window, 15, true),
			withInterval(window, 60, false), withInterval(window, 1, true),
			withFilters(withInterval(window, 15, false),
				hmFilter{"model", []string{"gpt-4o", "qwen-max"}}, hmFilter{"consumer", []string{"alice"}}),
		} {
			for _, tpl := range templates {
				name := fmt.Sprintf("%s/interval=%d/mcp=%v/filters=%d", tpl.key, req.interval, req.mcp, len(req.filters))
				query, args := req.expand(tpl.sql)
				got, err := queryStrings(db, query, args...)
				if tg.flavor == mysqlconn.MariaDB && req.mcp && strings.Contains(query, "REGEXP_LIKE") {
					// MariaDB 10.11 has REGEXP, not REGEXP_LIKE: HiMarket's MCP
					// dashboard needs MySQL 8 for these cards.
					require.ErrorContains(t, err, "REGEXP_LIKE", name)
					continue
				}
				require.NoError(t, err, "%s\n%s", name, query)
				want := hmExpect(tpl.key, req, rows)
				if tpl.kind != "LINE" {
					sortRows(got)
					sortRows(want)
				}
				assertCells(t, want, got, name)
			}
		}
	})
}

func withInterval(r hmRequest, interval int, mcp bool) hmRequest {
	r.interval, r.mcp = interval, mcp
	return r
}

func withFilters(r hmRequest, f ...hmFilter) hmRequest {
	r.filters = f
	return r
}

// inDatabase is a connection whose default database is the target's, as
// HiMarket's datasource points at its own schema; the session is UTC.
func inDatabase(t testing.TB, tg *target) *sql.DB {
	mc, err := mysql.ParseDSN(tg.dsn)
	require.NoError(t, err)
	mc.DBName = tg.database
	mc.Params = map[string]string{"time_zone": "'+00:00'"}
	db, err := sql.Open("mysql", mc.FormatDSN())
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// queryStrings runs a query and returns every cell as text, "NULL" for NULL.
func queryStrings(db *sql.DB, query string, args ...any) ([][]string, error) {
	rs, err := db.Query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]string
	for rs.Next() {
		cells := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range cells {
			ptrs[i] = &cells[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			return nil, err
		}
		line := make([]string, len(cols))
		for i, c := range cells {
			line[i] = "NULL"
			if c.Valid {
				line[i] = c.String
			}
		}
		out = append(out, line)
	}
	return out, rs.Err()
}

func sortRows(rows [][]string) {
	slices.SortFunc(rows, func(a, b []string) int { return strings.Compare(strings.Join(a, "\x00"), strings.Join(b, "\x00")) })
}

// assertCells compares row by row; numbers as numbers (servers print
// DECIMAL and DOUBLE differently: 0.0667 on MariaDB, 0.06666666666666667
// elsewhere), within half of MariaDB's four decimals of division.
func assertCells(t *testing.T, want, got [][]string, name string) {
	t.Helper()
	if !assert.Len(t, got, len(want), "%s: got %v want %v", name, got, want) {
		return
	}
	for i := range want {
		if !assert.Len(t, got[i], len(want[i]), name) {
			return
		}
		for j := range want[i] {
			w, g := want[i][j], got[i][j]
			wf, werr := strconv.ParseFloat(w, 64)
			gf, gerr := strconv.ParseFloat(g, 64)
			if werr == nil && gerr == nil {
				assert.InDelta(t, wf, gf, 6e-4+1e-9*math.Abs(wf), "%s row %d col %d: got %v want %v", name, i, j, got[i], want[i])
				continue
			}
			assert.Equal(t, w, g, "%s row %d col %d: got %v want %v", name, i, j, got[i], want[i])
		}
	}
}
