// Package sqltemplates holds the statements of the dead-letter table
// <table>_rejected. Its layout is fixed (unlike access_logs, whose columns
// come from the field table and adapt to the live table): one row per
// record the database refused, with the record as OTLP JSON. Each
// template takes the quoted `database`.`table` name.
package sqltemplates // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter/internal/sqltemplates"

import _ "embed" // the templates below

// DeadLetterTable creates the dead-letter table if it does not exist.
//
//go:embed dead_letter_table.sql
var DeadLetterTable string

// DeadLetterInsert writes one dead letter; a retried write of the same
// record is absorbed by the record_uid key.
//
//go:embed dead_letter_insert.sql
var DeadLetterInsert string
