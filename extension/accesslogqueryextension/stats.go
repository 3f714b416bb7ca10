package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// groupParams are the dimensions /query/stats groups and facets by: every
// text column (HiMarket's model, consumer, route_name, upstream_cluster
// and mcp_tool among them), the same list as the equality filters.
var groupParams = equalityParams

// The fields the statistics are computed from, by db-log-pusher name.
var (
	statsUV       = jsonName(accesslog.AttrXForwardedFor) // distinct clients, as HiMarket counts UV
	statsDetails  = jsonName(accesslog.AttrCodeDetails)   // internal_redirect marks a fallback
	statsCode     = paramResponseCode                     // 0 or >= 400 is an error, as HiMarket counts
	statsDuration = paramDuration                         // percentiles, not a sum
)

const fallbackValue = "internal_redirect"

// percentiles are nearest-rank (HiMarket's definition), computed with
// ROW_NUMBER / COUNT OVER, which MySQL 8 and MariaDB both have.
var percentileKeys = []string{"duration_p50", "duration_p95", "duration_p99"}

type statsRequest struct {
	scope
	groups   []*column
	interval time.Duration // 0: no series
	facets   []*column
}

// statsColumns are the live columns stats need, found through the field table.
type statsColumns struct {
	uv, details, code, duration *column
	// sums are every numeric field-table column the table has, except the
	// time, the status code and the duration: bytes and tokens, and any
	// usage column the table gains later, found when it appears.
	sums []*column
}

func statsColumnsOf(s *tableSchema) (*statsColumns, error) {
	sc := &statsColumns{}
	for name, dst := range map[string]**column{statsUV: &sc.uv, statsDetails: &sc.details, statsCode: &sc.code, statsDuration: &sc.duration} {
		c, ok := s.byJSON(name)
		if !ok {
			return nil, badf("statistics need the %s column, which the table lacks", name)
		}
		*dst = c
	}
	for i := range s.cols {
		c := &s.cols[i]
		if c.field == nil || !c.class.Numeric() || c.field.Kind == accesslog.Time || c == sc.code || c == sc.duration {
			continue
		}
		sc.sums = append(sc.sums, c)
	}
	return sc, nil
}

// queryStats answers GET /query/stats: the window's figures, and per
// group, per bucket and per facet value when asked.
func (e *queryExtension) queryStats(ctx context.Context, q url.Values, s *tableSchema) (object, error) {
	req, err := e.parseStats(q, s, time.Now())
	if err != nil {
		return nil, err
	}
	sc, err := statsColumnsOf(s)
	if err != nil {
		return nil, err
	}
	kpi, _, err := e.readStats(ctx, s, sc, req, nil)
	if err != nil {
		return nil, err
	}
	groupNames := make([]string, len(req.groups))
	for i, g := range req.groups {
		groupNames[i] = g.key
	}
	var from, to any
	if !req.win.all {
		from, to = req.win.from.Format(time.RFC3339Nano), req.win.to.Format(time.RFC3339Nano)
	}
	data := object{{"start_time", from}, {"end", to}, {"group_by", groupNames}, {"kpi", kpi[0]}}
	if len(req.groups) > 0 {
		groups, truncated, err := e.readStats(ctx, s, sc, req, req.groups)
		if err != nil {
			return nil, err
		}
		data = append(data, member{"groups", groups}, member{"groups_truncated", truncated})
	}
	if req.interval > 0 {
		series, err := e.readSeries(ctx, s, sc, req)
		if err != nil {
			return nil, err
		}
		data = append(data, member{"interval", int64(req.interval / time.Second)}, member{"series", series})
	}
	if len(req.facets) > 0 {
		facets, err := e.readFacets(ctx, s, sc, req)
		if err != nil {
			return nil, err
		}
		data = append(data, member{"facets", facets})
	}
	return object{{"status", "success"}, {"data", data}}, nil
}

func (e *queryExtension) parseStats(q url.Values, s *tableSchema, now time.Time) (*statsRequest, error) {
	conds, from, to, err := parseScope(q, s, paramGroupBy, paramInterval, paramFacets)
	if err != nil {
		return nil, err
	}
	req := &statsRequest{scope: scope{conds: conds}}
	if req.win, err = resolveWindow(q, from, to, now, e.cfg); err != nil {
		return nil, err
	}
	if req.groups, err = groupColumns(q, paramGroupBy, s); err != nil {
		return nil, err
	}
	if req.facets, err = groupColumns(q, paramFacets, s); err != nil {
		return nil, err
	}
	if req.interval, err = parseInterval(q.Get(paramInterval), req.win); err != nil {
		return nil, err
	}
	return req, nil
}

// groupColumns reads a comma-separated list of group_by names.
func groupColumns(q url.Values, param string, s *tableSchema) ([]*column, error) {
	v := q.Get(param)
	if v == "" {
		return nil, nil
	}
	var out []*column
	for _, name := range strings.Split(v, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(groupParams, name) {
			return nil, badf("parameter %q: each name must be one of %v, got %q", param, groupParams, name)
		}
		col, ok := s.byJSON(name)
		if !ok {
			return nil, badf("parameter %q: the table has no %s column", param, name)
		}
		if slices.Contains(out, col) {
			return nil, badf("parameter %q names %s twice", param, name)
		}
		out = append(out, col)
	}
	return out, nil
}

// readStats computes the figures overall (groups nil, one result) or per
// group, largest first, at most max_groups; truncated when there were more.
func (e *queryExtension) readStats(ctx context.Context, s *tableSchema, sc *statsColumns, req *statsRequest, groups []*column) ([]object, bool, error) {
	wh := req.where(s)
	d := stmtData{
		Table: s.table, Where: wh.String(), Groups: quoteAll(groups), Sums: quoteAll(sc.sums),
		UV: quote(sc.uv), Details: quote(sc.details), Code: quote(sc.code), Duration: quote(sc.duration),
	}
	args := append([]any{fallbackValue}, wh.args...)
	if len(groups) > 0 {
		args = append(args, e.cfg.MaxGroups+1)
	}
	var out []object
	index := map[string]int{}
	err := e.eachRow(ctx, render("stats.sql", d), args, len(groups)+4+len(sc.sums), func(vals []any) {
		o := object{}
		for i, g := range groups {
			o = append(o, member{g.key, jsonValue(g, vals[i], false)})
		}
		m := vals[len(groups):]
		o = append(o, member{"pv", number(m[0])}, member{"uv", number(m[1])})
		for i, c := range sc.sums {
			o = append(o, member{c.key, number(m[4+i])})
		}
		o = append(o, member{"fallback_count", number(m[2])}, member{"error_count", number(m[3])})
		index[groupKey(vals[:len(groups)])] = len(out)
		out = append(out, o)
	})
	if err != nil {
		return nil, false, err
	}
	truncated := len(out) > e.cfg.MaxGroups
	if truncated {
		out = out[:e.cfg.MaxGroups]
	}
	if len(groups) == 0 && len(out) == 0 {
		return nil, false, errNoRow
	}

	pct := map[string][]any{}
	err = e.eachRow(ctx, render("percentiles.sql", d), wh.args, len(groups)+len(percentileKeys), func(vals []any) {
		pct[groupKey(vals[:len(groups)])] = vals[len(groups):]
	})
	if err != nil {
		return nil, false, err
	}
	for key, i := range index {
		if i < len(out) {
			out[i] = append(out[i], percentiles(percentileKeys, pct[key])...)
		}
	}
	return out, truncated, nil
}

// percentiles are the members keys of a percentiles row, null when there
// is none (no row of the group or bucket has a duration).
func percentiles(keys []string, vals []any) []member {
	out := make([]member, len(keys))
	for i, key := range keys {
		out[i].key = key
		if vals != nil {
			out[i].value = number(vals[i])
		}
	}
	return out
}

var errNoRow = errors.New("the statistics query returned no row")

// groupKey identifies a group across the two statements. Groups are
// formed under the column's collation, usually case-insensitive, and
// either statement may name a group by any of its spellings.
func groupKey(vals []any) string {
	parts := make([]any, len(vals))
	for i, v := range vals {
		switch x := v.(type) {
		case []byte:
			v = strings.ToLower(string(x))
		case string:
			v = strings.ToLower(x)
		}
		parts[i] = v
	}
	b, _ := json.Marshal(parts)
	return string(b)
}

// number is an aggregate as a JSON number (SUM of BIGINT is DECIMAL text).
func number(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case []byte:
		if json.Valid(x) {
			return json.Number(x)
		}
		return string(x)
	}
	return v
}
