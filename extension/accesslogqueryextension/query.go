package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"context"
	"net/url"
	"slices"
	"time"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// sortParams are every column a row can be ordered by: each field with a
// column but ai_log (the POC's whitelist, start_time, response_code,
// duration, authority, method, path, bytes_received, bytes_sent,
// upstream_cluster and route_name, is part of it).
var sortParams = fieldParams(func(f *accesslog.Field) bool { return f.Kind != accesslog.JSONObject })

// pageRequest is a parsed GET /query.
type pageRequest struct {
	scope
	sort *column
	// sortBy is the sort_by name the cursor keeps.
	sortBy string
	desc   bool
	size   int
	page   int     // 0 when the request continues a cursor
	after  *cursor // nil on a first page
}

// queryPage answers GET /query: one page of logs, the window's total, and
// the token of the next page.
func (e *queryExtension) queryPage(ctx context.Context, q url.Values, s *tableSchema) (object, error) {
	req, err := e.parsePage(q, s, time.Now())
	if err != nil {
		return nil, err
	}
	total, rows, err := e.readPage(ctx, s, req)
	if err != nil {
		return nil, err
	}
	logs := make([]object, 0, min(len(rows), req.size))
	var next any
	for i := range rows {
		if i == req.size {
			// The extra row says there is more: the cursor points after
			// the last row returned.
			next = e.cursorAfter(s, req, rows[i-1]).encode()
			break
		}
		logs = append(logs, rows[i].log)
	}
	resp := object{{"status", "success"}, {"total", total}}
	if req.page > 0 {
		resp = append(resp, member{"page", req.page})
	}
	return append(resp, member{"page_size", req.size}, member{"next", next}, member{"logs", logs}), nil
}

func (e *queryExtension) parsePage(q url.Values, s *tableSchema, now time.Time) (*pageRequest, error) {
	conds, from, to, err := parseScope(q, s, paramPage, paramPageSize, paramSortBy, paramSortOrder, paramNext)
	if err != nil {
		return nil, err
	}
	req := &pageRequest{scope: scope{conds: conds}, desc: true}
	if req.size, err = positiveInt(q, paramPageSize, e.cfg.DefaultPageSize); err != nil {
		return nil, err
	}
	// The POC lowers a larger page_size to its maximum; so does this.
	req.size = min(req.size, e.cfg.MaxPageSize)

	sortBy := q.Get(paramSortBy)
	switch order := q.Get(paramSortOrder); order {
	case "", "desc", "DESC":
	case "asc", "ASC":
		req.desc = false
	default:
		return nil, badf("parameter %q must be asc or desc, got %q", paramSortOrder, order)
	}

	if tok := q.Get(paramNext); tok != "" {
		if q.Get(paramPage) != "" {
			return nil, badf("give page or next, not both")
		}
		c, err := decodeCursor(tok)
		if err != nil {
			return nil, badf("parameter %q: %v", paramNext, err)
		}
		// Parameters repeated with the token must be the ones it was made
		// with; the window defaulted from "now" comes from the token.
		win := c.window()
		if (sortBy != "" && sortBy != c.Sort) || (q.Get(paramSortOrder) != "" && req.desc != c.Desc) ||
			(from != nil && !from.Equal(win.from)) || (to != nil && !to.Equal(win.to)) {
			return nil, badf("parameter %q belongs to a query with another sort or window", paramNext)
		}
		sortBy, req.desc, req.win, req.after = c.Sort, c.Desc, win, c
	} else {
		if req.win, err = resolveWindow(q, from, to, now, e.cfg); err != nil {
			return nil, err
		}
		if req.page, err = positiveInt(q, paramPage, 1); err != nil {
			return nil, err
		}
		if offset := (req.page - 1) * req.size; offset > e.cfg.MaxOffset {
			return nil, badf("page %d of %d rows starts past row %d (max_offset): continue with the next token instead",
				req.page, req.size, e.cfg.MaxOffset)
		}
	}
	if sortBy == "" {
		sortBy = paramStartTime
	}
	if !slices.Contains(sortParams, sortBy) {
		return nil, badf("parameter %q must be one of %v, got %q", paramSortBy, sortParams, sortBy)
	}
	col, ok := s.byJSON(sortBy)
	if !ok {
		return nil, badf("parameter %q: the table has no %s column", paramSortBy, sortBy)
	}
	req.sort, req.sortBy = col, sortBy
	return req, nil
}

// readPage counts the matching rows and reads one page plus one row (which
// tells whether there is a next page).
func (e *queryExtension) readPage(ctx context.Context, s *tableSchema, req *pageRequest) (int64, []logRow, error) {
	wh := req.where(s)
	d := stmtData{Table: s.table, Where: wh.String()}
	var total int64
	if err := e.db.QueryRowContext(ctx, render("count.sql", d), wh.args...).Scan(&total); err != nil {
		return 0, nil, err
	}
	offset := 0
	if req.after != nil {
		if err := wh.after(req.sort, &s.id, req.after); err != nil {
			return 0, nil, badf("parameter %q: %v", paramNext, err)
		}
	} else {
		offset = (req.page - 1) * req.size
	}
	dir := " DESC"
	if !req.desc {
		dir = " ASC"
	}
	d.Where = wh.String()
	d.Columns = selectList(s.cols)
	d.OrderBy = quote(req.sort) + dir + ", " + quote(&s.id) + dir
	rows, err := e.readLogs(ctx, s, render("page.sql", d), append(wh.args, req.size+1, offset))
	return total, rows, err
}

func (e *queryExtension) cursorAfter(s *tableSchema, req *pageRequest, last logRow) *cursor {
	sortIdx := 0
	for i := range s.cols {
		if &s.cols[i] == req.sort {
			sortIdx = i
		}
	}
	return &cursor{
		Sort:  req.sortBy,
		Desc:  req.desc,
		From:  req.win.from.UnixNano(),
		To:    req.win.to.UnixNano(),
		All:   req.win.all,
		Value: sortText(last.raw[sortIdx]),
		ID:    last.id,
	}
}
