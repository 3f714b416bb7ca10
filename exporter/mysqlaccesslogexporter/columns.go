package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"strings"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
	"github.com/otelcol-higress/otelcol-higress/internal/mysqlconn"
)

// valueClass is how a value must be shaped for the live column's type.
type valueClass = mysqlconn.Class

const (
	classString = mysqlconn.ClassString
	classInt    = mysqlconn.ClassInt
	classFloat  = mysqlconn.ClassFloat
	classTime   = mysqlconn.ClassTime
	classJSON   = mysqlconn.ClassJSON
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

// liveColumn is one column of the live table.
type liveColumn = mysqlconn.Column

// querier reads from the pool or from one pinned connection.
type querier = mysqlconn.Querier

// readColumns lists the table's columns; an empty result means no table.
var readColumns = mysqlconn.ReadColumns

// qualified is `database`.`table`.
var qualified = mysqlconn.Qualified

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
	return column{
		name:     lc.Name,
		field:    f,
		dataType: lc.DataType,
		class:    lc.Class,
		maxChars: lc.MaxChars.Int64,
		maxBytes: lc.MaxBytes.Int64,
		utf8mb3:  lc.Charset == "utf8" || lc.Charset == "utf8mb3",
		unsigned: lc.Unsigned(),
		nullable: lc.Nullable,
		fracSecs: lc.FracSecs,
	}
}

// columnNamed is the live column of that name, nil when the table lacks it.
func columnNamed(cols []column, name string) *column {
	for i := range cols {
		if strings.EqualFold(cols[i].name, name) {
			return &cols[i]
		}
	}
	return nil
}
