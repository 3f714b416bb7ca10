package mysqlconn

import (
	"context"
	"database/sql"
	"strings"
)

// Class is how a column's values are typed, from its information_schema
// DATA_TYPE: what the exporter shapes values into and the query extension
// turns them back from.
type Class int

const (
	ClassString Class = iota
	ClassInt
	ClassFloat
	ClassTime
	ClassJSON
)

// Numeric reports an integer or a floating-point class.
func (c Class) Numeric() bool { return c == ClassInt || c == ClassFloat }

// Classify is the class of a DATA_TYPE (any case). YEAR is an integer: it
// holds and compares as one on every server.
func Classify(dataType string) Class {
	switch strings.ToLower(dataType) {
	case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year":
		return ClassInt
	case "decimal", "numeric", "float", "double", "real":
		return ClassFloat
	case "datetime", "timestamp", "date":
		return ClassTime
	case "json":
		return ClassJSON
	}
	return ClassString
}

// Column is one row of information_schema.COLUMNS: components adapt to
// the live table instead of assuming a DDL.
type Column struct {
	// Name is the column as the table spells it.
	Name string
	// DataType is DATA_TYPE in lower case; ColumnType is COLUMN_TYPE
	// (with "unsigned", lengths …).
	DataType   string
	ColumnType string
	Class      Class
	// MaxChars is CHARACTER_MAXIMUM_LENGTH and MaxBytes
	// CHARACTER_OCTET_LENGTH (TEXT limits are in bytes); invalid for
	// types that are not strings.
	MaxChars sql.NullInt64
	MaxBytes sql.NullInt64
	// Charset is CHARACTER_SET_NAME in lower case ("" for non-strings).
	Charset string
	// Nullable is IS_NULLABLE = YES.
	Nullable bool
	// FracSecs is DATETIME_PRECISION.
	FracSecs int
}

// Unsigned reports an UNSIGNED integer column.
func (c *Column) Unsigned() bool { return strings.Contains(strings.ToLower(c.ColumnType), "unsigned") }

// Querier reads from a pool, a pinned connection or a transaction.
type Querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// ReadColumns lists the table's columns by lower-case name (column names
// are case-insensitive in MySQL); an empty result means no table.
func ReadColumns(ctx context.Context, db Querier, database, table string) (map[string]Column, error) {
	rows, err := db.QueryContext(ctx, `SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, CHARACTER_MAXIMUM_LENGTH,
		CHARACTER_OCTET_LENGTH, CHARACTER_SET_NAME, IS_NULLABLE, DATETIME_PRECISION
		FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`, database, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols := map[string]Column{}
	for rows.Next() {
		var c Column
		var charset, nullable sql.NullString
		var precision sql.NullInt64
		if err := rows.Scan(&c.Name, &c.DataType, &c.ColumnType, &c.MaxChars, &c.MaxBytes, &charset,
			&nullable, &precision); err != nil {
			return nil, err
		}
		c.DataType = strings.ToLower(c.DataType)
		c.Class = Classify(c.DataType)
		c.Charset = strings.ToLower(charset.String)
		c.Nullable = strings.EqualFold(nullable.String, "YES")
		c.FracSecs = int(precision.Int64)
		cols[strings.ToLower(c.Name)] = c
	}
	return cols, rows.Err()
}
