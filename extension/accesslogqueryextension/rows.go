package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
	"github.com/otelcol-higress/otelcol-higress/internal/mysqlconn"
)

// logRow is one row read: the raw values (for cursors) and the JSON log.
type logRow struct {
	raw []any
	id  int64
	log object
}

// eachRow runs a statement and hands f the width values of each row,
// each scanned as what it is: a NULL comes back as nil.
func (e *queryExtension) eachRow(ctx context.Context, stmt string, args []any, width int, f func(vals []any)) error {
	rows, err := e.db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		vals, ptrs := make([]any, width), make([]any, width)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		f(vals)
	}
	return rows.Err()
}

// readLogs runs a statement selecting s.cols. Every value is scanned as
// what it is, so a NULL comes back as JSON null instead of the row being
// skipped (the POC scanned into plain strings and dropped any row with a
// NULL).
func (e *queryExtension) readLogs(ctx context.Context, s *tableSchema, stmt string, args []any) ([]logRow, error) {
	var out []logRow
	err := e.eachRow(ctx, stmt, args, len(s.cols), func(raw []any) {
		r := logRow{raw: raw, log: make(object, len(raw))}
		for i := range s.cols {
			c := &s.cols[i]
			r.log[i] = member{key: c.key, value: jsonValue(c, raw[i], c == s.start && s.epochStart)}
		}
		r.id, _ = toInt(raw[0])
		out = append(out, r)
	})
	return out, err
}

// jsonValue converts one scanned value for the response: numbers stay
// numbers (exact, as the database printed them), start_time becomes
// RFC3339 UTC whatever its column type, ai_log an object.
func jsonValue(c *column, v any, epoch bool) any {
	if v == nil {
		return nil
	}
	if epoch {
		if sec, ok := toInt(v); ok {
			return time.Unix(sec, 0).UTC().Format(time.RFC3339Nano)
		}
	}
	switch c.class {
	case mysqlconn.ClassTime:
		if t, ok := v.(time.Time); ok {
			return t.UTC().Format(time.RFC3339Nano)
		}
	case mysqlconn.ClassInt, mysqlconn.ClassFloat:
		switch x := v.(type) {
		case int64, float64:
			return x
		case []byte:
			if json.Valid(x) {
				return json.Number(x)
			}
		}
	case mysqlconn.ClassJSON:
		if b, ok := v.([]byte); ok {
			return jsonObject(b)
		}
	}
	switch x := v.(type) {
	case []byte:
		return string(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	default:
		return fmt.Sprint(x)
	}
}

// jsonObject is ai_log as JSON: stored JSON as it is, a JSON string that
// wraps an object (older writers) unwrapped, anything else as text.
func jsonObject(b []byte) any {
	if !json.Valid(b) {
		return string(b)
	}
	if len(b) > 0 && b[0] == '"' {
		if m, ok := accesslog.ParseObject(string(b), false); ok {
			return m.AsRaw()
		}
	}
	return json.RawMessage(b)
}

// toInt reads an integer the driver returned as int64, uint64, decimal
// text or, for FLOOR() of a double, a float64.
func toInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		return int64(x), true
	case []byte:
		n, err := strconv.ParseInt(string(x), 10, 64)
		return n, err == nil
	case uint64:
		return int64(x), true
	}
	return 0, false
}
