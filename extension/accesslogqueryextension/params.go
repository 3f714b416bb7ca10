package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// jsonName is the db-log-pusher name of a field the extension itself names,
// by its attribute: parameters are named as the POC named them, after the
// field, and find their column through the field table.
func jsonName(attr string) string { return accesslog.Fields[accesslog.IndexOfAttr(attr)].JSON }

// readable: the field has a column the extension reads (bodies have no SQL
// type: only some tables have them and they can be megabytes).
func readable(f *accesslog.Field) bool { return f.Column != "" && f.SQLType != "" }

// fieldParams are the db-log-pusher names of the readable fields that
// keep, in field-table order.
func fieldParams(keep func(f *accesslog.Field) bool) []string {
	var out []string
	for i := range accesslog.Fields {
		if f := &accesslog.Fields[i]; readable(f) && keep(f) {
			out = append(out, f.JSON)
		}
	}
	return out
}

// equalityParams are the text fields with a column, each filtered by
// equality: the POC's twelve and every other text column (route_name,
// upstream_host, response_flags, …). path is a substring instead.
var equalityParams = fieldParams(func(f *accesslog.Field) bool {
	return f.Kind == accesslog.String && f.Attr != accesslog.AttrPath
})

// lookupParams find one request whatever its age: without start_time and
// end they search the whole table (create_schema indexes both columns).
var lookupParams = []string{jsonName(accesslog.AttrRequestID), jsonName(accesslog.AttrTraceID)}

var (
	paramStartTime    = jsonName(accesslog.AttrStartTime)
	paramPath         = jsonName(accesslog.AttrPath) // substring
	paramResponseCode = jsonName(accesslog.AttrResponseCode)
	paramDuration     = jsonName(accesslog.AttrDuration)
)

const (
	paramStart       = "start" // the POC's older name of start_time
	paramEnd         = "end"
	paramStatus      = "status"       // the POC's older name of response_code
	paramErrors      = "errors"       // true: response_code 0 or >= 400, HiMarket's errors
	paramMinDuration = "min_duration" // duration (ms) at least this

	paramPage        = "page"
	paramPageSize    = "page_size"
	paramSortBy      = "sort_by"
	paramSortOrder   = "sort_order"
	paramNext        = "next"
	paramGroupBy     = "group_by"
	paramLastEventID = "last_event_id"
)

// ignoredParams are sent by POC clients and ignored there too: accepted so
// those scripts keep working, with no effect. Only the values the POC's
// clients send are accepted.
var ignoredParams = []string{"bizType", "path_like"}

var ignoredValues = map[string][]string{
	"bizType":   {"", "MCP_SERVER", "MODEL_API"},
	"path_like": {"", "true", "false"},
}

// maxParamLen bounds one parameter value; no column holds longer text.
const maxParamLen = 4096

// filterParams are accepted by every endpoint.
func filterParams() []string {
	return append(slices.Clone(equalityParams), paramPath, paramResponseCode, paramStatus, paramErrors, paramMinDuration)
}

// windowParams are accepted by the endpoints that read a time range.
var windowParams = []string{paramStartTime, paramStart, paramEnd}

type filterOp int

const (
	opEqual filterOp = iota
	opContains
	opAtLeast
	opBelow
	opError // 0 or >= 400: what HiMarket counts as an error
)

// condition is one filter on one live column.
type condition struct {
	col   *column
	op    filterOp
	value any
}

// window is an inclusive time range of start_time; all is the whole table
// (a request_id or trace_id lookup without a range).
type window struct {
	from, to time.Time
	all      bool
}

// scope is what every read endpoint selects rows by: the filters and the
// window.
type scope struct {
	conds []condition
	win   window
}

// where is the scope as a WHERE clause.
func (sc scope) where(s *tableSchema) *where {
	var wh where
	wh.window(s, sc.win)
	wh.conditions(sc.conds)
	return &wh
}

// parseScope checks the parameters of an endpoint that reads a window
// (the filters', the window's and extra) and reads the filters and the
// window's bounds as given, nil when absent.
func parseScope(q url.Values, s *tableSchema, extra ...string) (conds []condition, from, to *time.Time, err error) {
	if err := checkParams(q, filterParams(), windowParams, extra); err != nil {
		return nil, nil, nil, err
	}
	if s.start == nil {
		return nil, nil, nil, badf("the table has no start_time column")
	}
	if conds, err = parseFilters(q, s); err != nil {
		return nil, nil, nil, err
	}
	from, to, err = windowBounds(q)
	return conds, from, to, err
}

// checkParams refuses parameters the endpoint does not know, given more
// than once or too long: a misspelt filter must not silently match
// everything.
func checkParams(q url.Values, allowed ...[]string) error {
	for name, values := range q {
		known := slices.Contains(ignoredParams, name)
		for _, list := range allowed {
			known = known || slices.Contains(list, name)
		}
		if !known {
			return badf("unknown parameter %q", name)
		}
		if len(values) > 1 {
			return badf("parameter %q is given more than once", name)
		}
		if len(values[0]) > maxParamLen {
			return badf("parameter %q is longer than %d bytes", name, maxParamLen)
		}
		if accepted, ignored := ignoredValues[name]; ignored && !slices.Contains(accepted, values[0]) {
			return badf("parameter %q must be one of %q (it has no effect)", name, accepted[1:])
		}
	}
	return nil
}

// parseFilters turns the filter parameters into conditions. Empty values
// are ignored, as the POC ignores them.
func parseFilters(q url.Values, s *tableSchema) ([]condition, error) {
	var conds []condition
	add := func(param, field string, op filterOp, value any) error {
		col, ok := s.byJSON(field)
		if !ok {
			return badf("parameter %q: the table has no %s column", param, field)
		}
		conds = append(conds, condition{col: col, op: op, value: value})
		return nil
	}
	for _, name := range equalityParams {
		if v := q.Get(name); v != "" {
			if err := add(name, name, opEqual, v); err != nil {
				return nil, err
			}
		}
	}
	if v := q.Get(paramPath); v != "" {
		if err := add(paramPath, paramPath, opContains, v); err != nil {
			return nil, err
		}
	}
	// The POC ANDs both names when both are given; so does this. A class
	// (5xx) is the range of its hundred.
	for _, name := range []string{paramResponseCode, paramStatus} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		if len(v) == 3 && v[0] >= '1' && v[0] <= '5' && strings.EqualFold(v[1:], "xx") {
			low := int64(v[0]-'0') * 100
			if err := add(name, paramResponseCode, opAtLeast, low); err != nil {
				return nil, err
			}
			if err := add(name, paramResponseCode, opBelow, low+100); err != nil {
				return nil, err
			}
			continue
		}
		code, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return nil, badf("parameter %q must be an HTTP status code or a class (1xx … 5xx), got %q", name, v)
		}
		if err := add(name, paramResponseCode, opEqual, code); err != nil {
			return nil, err
		}
	}
	switch v := q.Get(paramErrors); v {
	case "", "false":
	case "true":
		if err := add(paramErrors, paramResponseCode, opError, nil); err != nil {
			return nil, err
		}
	default:
		return nil, badf("parameter %q must be true or false, got %q", paramErrors, v)
	}
	if v := q.Get(paramMinDuration); v != "" {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil || ms < 0 {
			return nil, badf("parameter %q must be milliseconds (a non-negative integer), got %q", paramMinDuration, v)
		}
		if err := add(paramMinDuration, paramDuration, opAtLeast, ms); err != nil {
			return nil, err
		}
	}
	return conds, nil
}

// windowBounds are the explicitly given start and end, nil when absent.
// start_time and start are both lower bounds (the POC ANDs them): the
// later one wins.
func windowBounds(q url.Values) (from, to *time.Time, err error) {
	for _, name := range []string{paramStartTime, paramStart} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		t, perr := parseTime(v)
		if perr != nil {
			return nil, nil, badf("parameter %q: %v", name, perr)
		}
		if from == nil || t.After(*from) {
			from = &t
		}
	}
	if v := q.Get(paramEnd); v != "" {
		t, perr := parseTime(v)
		if perr != nil {
			return nil, nil, badf("parameter %q: %v", paramEnd, perr)
		}
		to = &t
	}
	return from, to, nil
}

// resolveWindow fills what the request left out: the end defaults to now,
// the start to default_window before the end; a range longer than
// max_window is refused rather than silently cut. A request_id or
// trace_id without start or end searches the whole table.
func resolveWindow(q url.Values, from, to *time.Time, now time.Time, cfg *Config) (window, error) {
	if from == nil && to == nil && slices.ContainsFunc(lookupParams, func(p string) bool { return q.Get(p) != "" }) {
		return window{all: true}, nil
	}
	w := window{to: now.UTC()}
	if to != nil {
		w.to = *to
	}
	w.from = w.to.Add(-cfg.DefaultWindow)
	if from != nil {
		w.from = *from
	}
	if w.to.Before(w.from) {
		return w, badf("the window starts (%s) after it ends (%s)", w.from.Format(time.RFC3339Nano), w.to.Format(time.RFC3339Nano))
	}
	if w.to.Sub(w.from) > cfg.MaxWindow {
		return w, badf("the window %s .. %s is longer than max_window (%s): give a later start or an earlier end",
			w.from.Format(time.RFC3339Nano), w.to.Format(time.RFC3339Nano), cfg.MaxWindow)
	}
	return w, nil
}

// positiveInt parses a page or page_size.
func positiveInt(q url.Values, name string, def int) (int, error) {
	v := q.Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 {
		return 0, badf("parameter %q must be a positive integer, got %q", name, v)
	}
	return n, nil
}
