package accesslogqueryextension

import (
	"net/url"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSeries: the window cut into buckets, each equal to the oracle's
// figures of its rows (empty buckets with zero counts and null
// percentiles), on every server and DDL, with a filter applied.
func TestSeries(t *testing.T) {
	from, to := fixtureWindow()
	withFixture(t, func(t *testing.T, tg *target, e *queryExtension, rows []stored) {
		for _, step := range []time.Duration{time.Minute, 5 * time.Minute} {
			for _, filter := range []url.Values{vals(), vals("model", "qwen-max"), vals("errors", "true")} {
				q := cloneValues(filter)
				q.Set("start_time", from)
				q.Set("end", to)
				q.Set("interval", strconv.Itoa(int(step/time.Second)))
				resp := get(t, e.url(pathStats+"?"+q.Encode()))
				require.Equal(t, 200, resp.code, resp.raw)
				data := resp.body["data"].(map[string]any)
				assert.Equal(t, int64(step/time.Second), asPlain(t, data)["interval"])

				match := all()
				if m := filter.Get("model"); m != "" {
					match = eq("model", m)
				}
				if filter.Get("errors") != "" {
					match = func(r stored) bool { return codeIn(400, 1000)(r) || eq("response_code", "0")(r) }
				}
				f, _ := time.Parse(time.RFC3339, from)
				tt, _ := time.Parse(time.RFC3339, to)
				s := int64(step / time.Second)
				byBucket := map[int64][]stored{}
				for _, r := range rows {
					if match(r) && !r.start.Before(f) && !r.start.After(tt) {
						b := r.start.Unix() / s
						byBucket[b] = append(byBucket[b], r)
					}
				}
				series := data["series"].([]any)
				require.Len(t, series, int(tt.Unix()/s-f.Unix()/s+1))
				var total int64
				for i, raw := range series {
					got := asPlain(t, raw.(map[string]any))
					b := f.Unix()/s + int64(i)
					assert.Equal(t, time.Unix(b*s, 0).UTC().Format(time.RFC3339), got["start_time"])
					want := oracleStats(byBucket[b])
					for _, k := range summed(rows) {
						if want[k] == nil {
							want[k] = int64(0) // an empty bucket sums every column the table has
						}
					}
					for _, k := range append([]string{"pv", "error_count", "duration_p50", "duration_p95"}, summed(rows)...) {
						assert.Equal(t, want[k], got[k], "%s bucket %d %s %v", k, i, step, filter)
					}
					total += got["pv"].(int64)
				}
				assert.Equal(t, int64(len(expected(rows, match))), total, "every row in one bucket")
			}
		}
	})
}

// TestFacets: each facet's values with their counts under every filter but
// its own, most frequent first.
func TestFacets(t *testing.T) {
	from, to := fixtureWindow()
	withFixture(t, func(t *testing.T, tg *target, e *queryExtension, rows []stored) {
		q := vals("start_time", from, "end", to, "facets", "model,consumer", "model", "gpt-4o")
		resp := get(t, e.url(pathStats+"?"+q.Encode()))
		require.Equal(t, 200, resp.code, resp.raw)
		facets := resp.body["data"].(map[string]any)["facets"].(map[string]any)
		check := func(col string, match pred) {
			counts := map[string]int64{}
			for _, r := range rows {
				if match(r) {
					v, ok := r.str(col)
					if !ok {
						v = "<null>"
					}
					counts[v]++
				}
			}
			var got []string
			var prev int64 = 1 << 62
			for _, raw := range facets[col].([]any) {
				o := asPlain(t, raw.(map[string]any))
				v, _ := o["value"].(string)
				if o["value"] == nil {
					v = "<null>"
				}
				assert.Equal(t, counts[v], o["pv"], "%s=%s", col, v)
				assert.LessOrEqual(t, o["pv"].(int64), prev, "most frequent first")
				prev = o["pv"].(int64)
				got = append(got, v)
			}
			var want []string
			for v := range counts {
				want = append(want, v)
			}
			sort.Strings(want)
			sort.Strings(got)
			assert.Equal(t, want, got, col)
		}
		check("model", all()) // its own filter is left out: every model
		check("consumer", eq("model", "gpt-4o"))
	})
}

func TestIntervalParameter(t *testing.T) {
	w := window{from: time.Unix(0, 0), to: time.Unix(0, 0).Add(time.Hour)}
	for _, c := range []struct {
		v    string
		want time.Duration
		err  string
	}{
		{"auto", time.Minute, ""}, {"5m", 5 * time.Minute, ""}, {"300", 5 * time.Minute, ""},
		{"1s", 0, "more than 1000 buckets"}, {"500ms", 0, "whole seconds"}, {"soon", 0, "must be auto"},
	} {
		got, err := parseInterval(c.v, w)
		if c.err != "" {
			assert.ErrorContains(t, err, c.err, c.v)
			continue
		}
		require.NoError(t, err, c.v)
		assert.Equal(t, c.want, got, c.v)
	}
	d, err := parseInterval("auto", window{from: time.Unix(0, 0), to: time.Unix(0, 0).Add(7 * 24 * time.Hour)})
	require.NoError(t, err)
	assert.Equal(t, 3*time.Hour, d, "7 days: 56 buckets of 3 h")
	_, err = parseInterval("auto", window{all: true})
	assert.ErrorContains(t, err, "needs a time range")
}
