package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
	"github.com/otelcol-higress/otelcol-higress/internal/mysqlconn"
)

// column is one live column this extension reads.
type column struct {
	// name is the column as the table spells it.
	name string
	// key is its name in responses and parameters: the field table's column.
	key string
	// field is its row of the field table; nil for the primary key.
	field *accesslog.Field
	class mysqlconn.Class
}

// tableSchema is what the extension knows about the live table: which
// field-table columns it has and how start_time is stored. Read from
// information_schema, so the published DDLs and older tables all work.
type tableSchema struct {
	table string // `database`.`table`
	id    column
	// start is start_time; nil when the table has none (only /tail works).
	start *column
	// epochStart: start_time is an integer column of Unix seconds.
	epochStart bool
	// cols are the columns a log is made of: id, then the field table's
	// columns the table has, in field-table order.
	cols  []column
	byKey map[string]*column
}

// byJSON finds the live column of a db-log-pusher field.
func (s *tableSchema) byJSON(name string) (*column, bool) {
	i, ok := accesslog.IndexOf(name)
	if !ok {
		return nil, false
	}
	c, ok := s.byKey[accesslog.Fields[i].Column]
	return c, ok
}

// readSchema lists the table's columns; errNoTable when it has none.
func readSchema(ctx context.Context, db *sql.DB, database, table string) (*tableSchema, error) {
	live, err := mysqlconn.ReadColumns(ctx, db, database, table)
	if err != nil {
		return nil, err
	}
	if len(live) == 0 {
		return nil, fmt.Errorf("%w: %s", errNoTable, qualified(database, table))
	}
	return newTableSchema(qualified(database, table), live)
}

func newTableSchema(table string, live map[string]mysqlconn.Column) (*tableSchema, error) {
	idLive, ok := live[accesslog.PrimaryKeyColumn]
	if !ok {
		return nil, fmt.Errorf("%w: %s has no %s column", errNoTable, table, accesslog.PrimaryKeyColumn)
	}
	s := &tableSchema{table: table, byKey: map[string]*column{}}
	s.id = column{name: idLive.Name, key: accesslog.PrimaryKeyColumn, class: mysqlconn.ClassInt}
	s.cols = append(s.cols, s.id)
	for i := range accesslog.Fields {
		f := &accesslog.Fields[i]
		l, ok := live[strings.ToLower(f.Column)]
		if !readable(f) || !ok {
			continue
		}
		s.cols = append(s.cols, column{name: l.Name, key: f.Column, field: f, class: classify(f, l.Class)})
	}
	for i := range s.cols {
		c := &s.cols[i]
		s.byKey[c.key] = c
		if c.field != nil && c.field.Kind == accesslog.Time {
			s.start = c
			s.epochStart = c.class.Numeric()
		}
	}
	return s, nil
}

// classify is how a live column's values become JSON: MariaDB's JSON is
// LONGTEXT, so the field says what it holds.
func classify(f *accesslog.Field, class mysqlconn.Class) mysqlconn.Class {
	if f.Kind == accesslog.JSONObject {
		return mysqlconn.ClassJSON
	}
	return class
}

// schemaCache reads the schema on first use and again after refresh, so
// that the extension starts without the database and picks up columns
// added while it runs.
type schemaCache struct {
	db              *sql.DB
	database, table string
	refresh         time.Duration

	mu     sync.Mutex
	cur    *tableSchema
	readAt time.Time
}

func (c *schemaCache) get(ctx context.Context) (*tableSchema, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur != nil && time.Since(c.readAt) < c.refresh {
		return c.cur, nil
	}
	s, err := readSchema(ctx, c.db, c.database, c.table)
	if err != nil {
		return nil, err
	}
	c.cur, c.readAt = s, time.Now()
	return s, nil
}
