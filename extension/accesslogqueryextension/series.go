package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"context"
	"strconv"
	"time"
)

const (
	paramInterval = "interval"
	paramFacets   = "facets"
)

// autoSteps are the bucket widths interval=auto picks from: the smallest
// that gives at most autoBuckets buckets.
var autoSteps = []time.Duration{
	10 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute, 10 * time.Minute,
	30 * time.Minute, time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

const (
	autoBuckets = 120
	maxBuckets  = 1000
)

// parseInterval reads interval: auto, a duration (1m, 5m, 1h) or seconds.
func parseInterval(v string, win window) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	if win.all {
		return 0, badf("parameter %q needs a time range (start_time, end)", paramInterval)
	}
	span := win.to.Sub(win.from)
	if v == "auto" {
		for _, d := range autoSteps {
			if span/d < autoBuckets {
				return d, nil
			}
		}
		return autoSteps[len(autoSteps)-1], nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		n, nerr := strconv.Atoi(v)
		if nerr != nil {
			return 0, badf("parameter %q must be auto, a duration (1m, 5m, 1h) or seconds, got %q", paramInterval, v)
		}
		d = time.Duration(n) * time.Second
	}
	if d < time.Second || d%time.Second != 0 {
		return 0, badf("parameter %q must be whole seconds, at least 1s, got %q", paramInterval, v)
	}
	if span/d >= maxBuckets {
		return 0, badf("parameter %q: %s over %s is more than %d buckets; give a longer interval", paramInterval, d, span, maxBuckets)
	}
	return d, nil
}

// epochExpr is start_time as Unix seconds (the session is UTC, so
// UNIX_TIMESTAMP reads a DATETIME as UTC too).
func epochExpr(s *tableSchema) string {
	if s.epochStart {
		return quote(s.start)
	}
	return "UNIX_TIMESTAMP(" + quote(s.start) + ")"
}

// readSeries is the window cut into interval buckets, every bucket present
// (empty ones with zero counts and null percentiles), oldest first: the
// explorer's charts of requests and errors, latency percentiles, tokens
// and cost. Two statements, as for the window's own figures: the counts
// and sums, then nearest-rank p50/p95 of duration per bucket with
// ROW_NUMBER() OVER, which MySQL 8, MariaDB and TiDB all have.
func (e *queryExtension) readSeries(ctx context.Context, s *tableSchema, sc *statsColumns, req *statsRequest) ([]object, error) {
	wh := req.where(s)
	d := stmtData{Table: s.table, Where: wh.String(), Code: quote(sc.code), Duration: quote(sc.duration),
		Sums: quoteAll(sc.sums), Epoch: epochExpr(s)}
	step := int64(req.interval / time.Second)
	args := append([]any{step}, wh.args...)

	type bucket struct{ counts, pct []any }
	found := map[int64]*bucket{}
	width := 4 + len(sc.sums) // pv, errors, 4xx, 5xx, then the sums
	err := e.eachRow(ctx, render("series.sql", d), args, 1+width, func(vals []any) {
		if b, ok := toInt(vals[0]); ok {
			found[b] = &bucket{counts: vals[1:]}
		}
	})
	if err != nil {
		return nil, err
	}
	err = e.eachRow(ctx, render("series_percentiles.sql", d), args, 3, func(vals []any) {
		if b, ok := toInt(vals[0]); ok && found[b] != nil {
			found[b].pct = vals[1:]
		}
	})
	if err != nil {
		return nil, err
	}

	// An empty bucket has zero counts and null percentiles.
	empty := &bucket{counts: make([]any, width)}
	for i := range empty.counts {
		empty.counts[i] = int64(0)
	}
	first, last := floorDiv(req.win.from.Unix(), step), floorDiv(req.win.to.Unix(), step)
	out := make([]object, 0, last-first+1)
	for b := first; b <= last; b++ {
		f := found[b]
		if f == nil {
			f = empty
		}
		o := object{{"start_time", time.Unix(b*step, 0).UTC().Format(time.RFC3339)},
			{"pv", number(f.counts[0])}, {"error_count", number(f.counts[1])},
			{"status_4xx", number(f.counts[2])}, {"status_5xx", number(f.counts[3])}}
		for i, c := range sc.sums {
			o = append(o, member{c.key, number(f.counts[4+i])})
		}
		out = append(out, append(o, percentiles(percentileKeys[:2], f.pct)...))
	}
	return out, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// readFacets: for each facet column its most frequent values with their
// rows and errors, under every filter but the facet's own, so a picker
// shows the other values it could switch to.
func (e *queryExtension) readFacets(ctx context.Context, s *tableSchema, sc *statsColumns, req *statsRequest) (object, error) {
	out := object{}
	for _, col := range req.facets {
		facet := scope{win: req.win}
		for _, c := range req.conds {
			if c.col != col {
				facet.conds = append(facet.conds, c)
			}
		}
		wh := facet.where(s)
		d := stmtData{Table: s.table, Where: wh.String(), Code: quote(sc.code), Group: quote(col)}
		values := []object{}
		err := e.eachRow(ctx, render("facet.sql", d), append(wh.args, e.cfg.MaxGroups), 3, func(vals []any) {
			values = append(values, object{{"value", jsonValue(col, vals[0], false)}, {"pv", number(vals[1])}, {"error_count", number(vals[2])}})
		})
		if err != nil {
			return nil, err
		}
		out = append(out, member{col.key, values})
	}
	return out, nil
}
