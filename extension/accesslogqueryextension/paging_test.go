package accesslogqueryextension

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// numericSorts are the whitelisted sort columns holding numbers.
var numericSorts = map[string]bool{"response_code": true, "duration": true, "bytes_received": true, "bytes_sent": true}

// ordered is the oracle's ORDER BY col dir, id dir: NULLs first ascending
// and last descending, as MySQL and MariaDB sort them.
func ordered(rows []stored, col string, desc bool) []int64 {
	out := append([]stored(nil), rows...)
	less := func(a, b stored) bool {
		if col == "start_time" {
			if !a.start.Equal(b.start) {
				return a.start.Before(b.start)
			}
			return a.id < b.id
		}
		av, aok := a.str(col)
		bv, bok := b.str(col)
		switch {
		case !aok && !bok:
			return a.id < b.id
		case !aok || !bok:
			return !aok
		case av == bv:
			return a.id < b.id
		case numericSorts[col]:
			an, _ := strconv.ParseInt(av, 10, 64)
			bn, _ := strconv.ParseInt(bv, 10, 64)
			return an < bn
		}
		return av < bv
	}
	sort.SliceStable(out, func(i, j int) bool {
		if desc {
			return less(out[j], out[i])
		}
		return less(out[i], out[j])
	})
	ids := make([]int64, len(out))
	for i, r := range out {
		ids[i] = r.id
	}
	return ids
}

// TestPagingEverySort: for every sort_by of the POC's whitelist and both
// orders, paging with page and following next both give the oracle's
// order, every row once; NULL sort values included.
func TestPagingEverySort(t *testing.T) {
	const size = 7
	withFixture(t, func(t *testing.T, tg *target, e *queryExtension, rows []stored) {
		for _, col := range sortParams {
			for _, order := range []string{"asc", "desc"} {
				want := ordered(rows, col, order == "desc")
				base := vals("sort_by", col, "sort_order", order, "page_size", strconv.Itoa(size))

				var byPage []int64
				for page := 1; len(byPage) < len(want); page++ {
					q := cloneValues(base)
					q.Set("page", strconv.Itoa(page))
					resp := get(t, queryURL(e, q))
					got := ids(t, resp.logs(t))
					require.NotEmpty(t, got, "%s %s page %d", col, order, page)
					byPage = append(byPage, got...)
				}
				assert.Equal(t, want, byPage, "page: %s %s", col, order)

				var byNext []int64
				q := cloneValues(base)
				for range len(want) + 1 {
					resp := get(t, queryURL(e, q))
					byNext = append(byNext, ids(t, resp.logs(t))...)
					next, _ := resp.body["next"].(string)
					if next == "" {
						break
					}
					q = cloneValues(base)
					q.Set("next", next)
				}
				assert.Equal(t, want, byNext, "next: %s %s", col, order)
			}
		}
	})
}

// TestPagingOutOfOrderIDs: paging by next is keyed on (sort value, id),
// never on ids growing with time: rows whose ids are unrelated to their
// order (TiDB servers' own ranges, AUTO_RANDOM, ids chosen by a writer),
// many tied on the sort value, page in the oracle's order, every row once;
// a row inserted meanwhile with a low id but sorting after the cursor is
// on a later page, once.
func TestPagingOutOfOrderIDs(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		w := startWriter(t, tg, "access_logs")
		w.post(t, fixture()[:1]...)
		tg.exec(t, "DELETE FROM "+tg.table("access_logs"))
		insert := func(id int64, at time.Time, code int) {
			_, err := tg.admin.Exec("INSERT INTO "+tg.table("access_logs")+
				" (id, start_time, request_id, method, path, response_code) VALUES (?, ?, ?, 'GET', '/p', ?)",
				id, at, fmt.Sprintf("ooo-%d", id), code)
			require.NoError(t, err)
		}
		// Ids scattered over a wide range, three start_times, three codes.
		for i, id := range []int64{9000, 17, 4400, 3, 12000, 250, 7777, 1, 600, 31000, 42, 8, 15000, 90, 2600, 5} {
			insert(id, fixtureBase.Add(time.Duration(i%3)*time.Minute), []int{200, 404, 500}[i%3])
		}
		e := startQuery(t, testConfig(tg, "access_logs"), nil)
		from, to := fixtureWindow()
		for _, col := range []string{"start_time", "response_code"} {
			for _, order := range []string{"asc", "desc"} {
				want := ordered(readStored(t, tg, "access_logs"), col, order == "desc")
				base := vals("sort_by", col, "sort_order", order, "page_size", "4", "start_time", from, "end", to)
				var got []int64
				q := cloneValues(base)
				for page := 0; ; page++ {
					resp := get(t, queryURL(e, q))
					got = append(got, ids(t, resp.logs(t))...)
					next, _ := resp.body["next"].(string)
					if next == "" {
						break
					}
					if col == "start_time" && order == "asc" && page == 0 {
						// Sorts after the cursor (the latest start_time),
						// though its id is below every id sent so far.
						insert(2, fixtureBase.Add(2*time.Minute), 200)
						want = ordered(readStored(t, tg, "access_logs"), col, false)
					}
					q = cloneValues(base)
					q.Set("next", next)
				}
				assert.Equal(t, want, got, "%s %s", col, order)
			}
		}
	})
}

// TestPageThenNext: the next token of a page-numbered call continues after
// that page.
func TestPageThenNext(t *testing.T) {
	tg := mariaTarget(t)
	w := startWriter(t, tg, "access_logs")
	w.post(t, fixture()...)
	e := startQuery(t, testConfig(tg, "access_logs"), nil)
	want := expected(readStored(t, tg, "access_logs"), all())
	resp := get(t, queryURL(e, vals("page", "2", "page_size", "5")))
	assert.Equal(t, want[5:10], ids(t, resp.logs(t)))
	assert.Equal(t, json.Number("2"), resp.body["page"])
	next := resp.body["next"].(string)
	resp = get(t, queryURL(e, vals("next", next, "page_size", "5")))
	assert.Equal(t, want[10:15], ids(t, resp.logs(t)))
	assert.NotContains(t, resp.body, "page", "a cursor page has no number")
	assert.Equal(t, json.Number(strconv.Itoa(len(want))), resp.body["total"], "total counts the whole window")
}

// TestWindowAndPageLimits: the default window is the last hour, a longer
// range than max_window is refused, page_size is capped, deep offsets are
// refused, and next keeps the window of its first page.
func TestWindowAndPageLimits(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		w := startWriter(t, tg, "access_logs")
		now := time.Now().UTC().Truncate(time.Second)
		at := func(ago time.Duration, id string) map[string]any {
			return map[string]any{"start_time": now.Add(-ago).Format(time.RFC3339), "request_id": id, "method": "GET", "path": "/w", "response_code": 200}
		}
		var entries []map[string]any
		for i := range 120 {
			entries = append(entries, at(5*time.Minute+time.Duration(i)*time.Second, fmt.Sprintf("recent-%03d", i)))
		}
		entries = append(entries, at(2*time.Hour, "two-hours"), at(30*time.Hour, "thirty-hours"))
		w.post(t, entries...)
		cfg := testConfig(tg, "access_logs")
		e := startQuery(t, cfg, nil)
		q := func(kv ...string) apiResponse { return get(t, e.url(pathQuery+"?"+vals(kv...).Encode())) }

		resp := q("page_size", "1000")
		logs := resp.logs(t)
		assert.Len(t, logs, 100, "page_size is capped at max_page_size")
		assert.Equal(t, json.Number("100"), resp.body["page_size"])
		assert.Equal(t, json.Number("120"), resp.body["total"], "the default window is the last hour")

		resp = q("start_time", now.Add(-3*time.Hour).Format(time.RFC3339), "page_size", "100", "page", "2")
		assert.Equal(t, json.Number("121"), resp.body["total"], resp.raw)
		assert.Len(t, resp.logs(t), 21)
		assert.Equal(t, "two-hours", resp.logs(t)[20]["request_id"])

		resp = q("start_time", now.Add(-8*24*time.Hour).Format(time.RFC3339))
		assert.Equal(t, http.StatusBadRequest, resp.code, "longer than max_window")
		assert.Contains(t, resp.body["error"], "max_window")

		resp = q("end", now.Add(-29*time.Hour).Format(time.RFC3339))
		assert.Equal(t, json.Number("1"), resp.body["total"], "end alone: default_window before it")
		assert.Equal(t, "thirty-hours", resp.logs(t)[0]["request_id"])

		resp = q("page", strconv.Itoa(cfg.MaxOffset/10+2))
		assert.Equal(t, http.StatusBadRequest, resp.code, "deeper than max_offset")
		assert.Contains(t, resp.body["error"], "next")

		// next keeps the first page's window: oldest first, a row written
		// meanwhile, newer than that window's end, would be the last row of
		// the second page if the window moved with "now".
		first := q("page_size", "60", "sort_order", "asc")
		next := first.body["next"].(string)
		c, err := decodeCursor(next)
		require.NoError(t, err)
		late := c.window().to.Add(time.Millisecond)
		w.post(t, map[string]any{"start_time": late.Format(time.RFC3339Nano), "request_id": "late", "method": "GET", "path": "/w", "response_code": 200})
		// The second page is asked for once "now" has passed the late row:
		// a window that moved with "now" would hold it.
		require.Eventually(t, func() bool { return time.Now().After(late) }, time.Minute, time.Millisecond)
		second := q("page_size", "70", "next", next)
		got := append(ids(t, first.logs(t)), ids(t, second.logs(t))...)
		assert.Len(t, got, 120)
		for _, l := range second.logs(t) {
			assert.NotEqual(t, "late", l["request_id"])
		}
		assert.Nil(t, second.body["next"], "the window is exhausted")
	})
}

// TestBadParameters: every malformed parameter is a 400 with a message in
// the POC's error shape, never a silently different query.
func TestBadParameters(t *testing.T) {
	tg := gmsTarget(t)
	w := startWriter(t, tg, "access_logs")
	w.post(t, fixture()[:3]...)
	e := startQuery(t, testConfig(tg, "access_logs"), nil)
	from, to := fixtureWindow()
	tampered := (&cursor{Sort: "id` DESC; DROP TABLE x; --", To: 1, ID: 1}).encode()
	otherWindow := (&cursor{Sort: "start_time", Desc: true, From: 0, To: 1, ID: 1}).encode()
	for name, raw := range map[string]string{
		"unknown parameter":    "modle=qwen",
		"repeated parameter":   "model=a&model=b",
		"page zero":            "page=0",
		"page negative":        "page=-1",
		"page not a number":    "page=two",
		"page_size zero":       "page_size=0",
		"page_size not int":    "page_size=1e3",
		"sort_by off the list": "sort_by=ai_log",
		"sort_by injection":    "sort_by=" + url.QueryEscape("start_time; DROP TABLE access_logs"),
		"sort_order":           "sort_order=sideways",
		"response_code text":   "response_code=abc",
		"status text":          "status=20x",
		"start_time text":      "start_time=yesterday",
		"end invalid date":     "end=2026-13-01+00:00:00",
		"epoch too large":      "start_time=99999999999999999",
		"end before start":     "start_time=" + url.QueryEscape(to) + "&end=" + url.QueryEscape(from),
		"next garbage":         "next=not-a-token",
		"next tampered sort":   "next=" + tampered,
		"next other window":    "next=" + otherWindow + "&start_time=" + url.QueryEscape(from),
		"page with next":       "page=2&next=" + otherWindow,
		"too long":             "model=" + strings.Repeat("x", maxParamLen+1),
	} {
		resp := get(t, e.url(pathQuery+"?"+raw))
		assert.Equal(t, http.StatusBadRequest, resp.code, "%s: %s", name, resp.raw)
		assert.Equal(t, "error", resp.body["status"], name)
		assert.NotEmpty(t, resp.body["error"], name)
	}
	stats := get(t, e.url(pathStats+"?group_by=model,nope"))
	assert.Equal(t, http.StatusBadRequest, stats.code, stats.raw)
	tail := get(t, e.url(pathTail+"?model=a&extra=1"))
	assert.Equal(t, http.StatusBadRequest, tail.code, tail.raw)
}
