package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"context"
	"database/sql"
	"strings"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// valueClass is how a value must be shaped for the live column's type.
type valueClass int

const (
	classString valueClass = iota
	classInt
	classFloat
	classTime
	classJSON
)

// column is one live column the exporter writes, as information_schema
// describes it: the write adapts to the table instead of assuming our DDL.
type column struct {
	name     string
	field    *accesslog.Field
	dataType string // information_schema DATA_TYPE, lower case
	class    valueClass
	maxChars int64 // CHARACTER_MAXIMUM_LENGTH; 0 when not a string type
	maxBytes int64 // CHARACTER_OCTET_LENGTH; TEXT limits are in bytes
	utf8mb3  bool  // cannot store 4-byte characters
	unsigned bool
	nullable bool
	fracSecs int // DATETIME_PRECISION
}

// querier reads from the pool or from one pinned connection.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// liveColumn is one row of information_schema.columns.
type liveColumn struct {
	name      string
	dataType  string
	colType   string
	maxChars  sql.NullInt64
	maxBytes  sql.NullInt64
	charset   sql.NullString
	nullable  string
	precision sql.NullInt64
}

// readColumns lists the table's columns; an empty result means no table.
func readColumns(ctx context.Context, db querier, database, table string) (map[string]liveColumn, error) {
	rows, err := db.QueryContext(ctx, `SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, CHARACTER_MAXIMUM_LENGTH,
		CHARACTER_OCTET_LENGTH, CHARACTER_SET_NAME, IS_NULLABLE, DATETIME_PRECISION
		FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`, database, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols := map[string]liveColumn{}
	for rows.Next() {
		var c liveColumn
		if err := rows.Scan(&c.name, &c.dataType, &c.colType, &c.maxChars, &c.maxBytes, &c.charset,
			&c.nullable, &c.precision); err != nil {
			return nil, err
		}
		// Column names are case-insensitive in MySQL.
		cols[strings.ToLower(c.name)] = c
	}
	return cols, rows.Err()
}

// writableColumns are the field-table columns (plus the idempotency column)
// that exist in the live table, in field-table order. Columns the table
// lacks are skipped: old DDLs keep working.
func writableColumns(live map[string]liveColumn) []column {
	var out []column
	add := func(f *accesslog.Field) {
		lc, ok := live[strings.ToLower(f.Column)]
		if !ok {
			return
		}
		out = append(out, describe(f, lc))
	}
	for i := range accesslog.Fields {
		if accesslog.Fields[i].Column != "" {
			add(&accesslog.Fields[i])
		}
	}
	add(&accesslog.RecordUID)
	return out
}

func describe(f *accesslog.Field, lc liveColumn) column {
	c := column{
		name:     lc.name,
		field:    f,
		dataType: strings.ToLower(lc.dataType),
		unsigned: strings.Contains(strings.ToLower(lc.colType), "unsigned"),
		nullable: strings.EqualFold(lc.nullable, "YES"),
		fracSecs: int(lc.precision.Int64),
	}
	if lc.maxChars.Valid {
		c.maxChars = lc.maxChars.Int64
	}
	if lc.maxBytes.Valid {
		c.maxBytes = lc.maxBytes.Int64
	}
	cs := strings.ToLower(lc.charset.String)
	c.utf8mb3 = cs == "utf8" || cs == "utf8mb3"
	switch c.dataType {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year":
		c.class = classInt
	case "decimal", "numeric", "float", "double", "real":
		c.class = classFloat
	case "datetime", "timestamp", "date":
		c.class = classTime
	case "json":
		c.class = classJSON
	default:
		c.class = classString
	}
	return c
}

// hasColumn reports whether the live table has the column.
func hasColumn(cols []column, name string) bool {
	for _, c := range cols {
		if strings.EqualFold(c.name, name) {
			return true
		}
	}
	return false
}
