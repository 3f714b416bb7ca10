// Package sqltemplates holds the exporter's fixed statements: those of the
// dead-letter table <table>_rejected (a fixed layout, unlike access_logs,
// whose columns come from the field table and adapt to the live table) and
// those of table maintenance (retention, daily partitions, the maintenance
// lock). Templates take quoted identifiers through fmt verbs (%[1]s is the
// quoted `database`.`table`); values are always placeholders.
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

// RetentionDelete deletes at most ? rows older than ? (%[2]s is the time
// column), oldest first: ORDER BY on the indexed column makes the server
// walk that index and stop after the limit, so one statement locks at most
// that many rows and never scans the table.
//
//go:embed retention_delete.sql
var RetentionDelete string

// RetentionOldest is the oldest value of the time column %[2]s (through
// its index: one lookup).
//
//go:embed retention_oldest.sql
var RetentionOldest string

// LockGet tries the named maintenance lock without waiting (TiDB waits
// its minimum of one second); 1 when this session holds it.
//
//go:embed lock_get.sql
var LockGet string

// LockRelease releases the named maintenance lock.
//
//go:embed lock_release.sql
var LockRelease string

// MaintenanceSession are the maintenance session's settings, one statement
// per line: no gap locks, and lock waits (metadata and row) bounded so
// that a partition change queued behind a long query gives up instead of
// holding up the writes queued behind it.
//
//go:embed maintenance_session.sql
var MaintenanceSession string

// PartitionsRead lists a table's partitions in order; no rows when it is
// not partitioned.
//
//go:embed partitions_read.sql
var PartitionsRead string

// PartitionByDay is the partition clause of a table created with
// partitioning: daily; %[1]s is the start_time column, %[2]s the
// partition definitions.
//
//go:embed partition_by_day.sql
var PartitionByDay string

// PartitionAdd appends partitions (%[2]s) to a table without a MAXVALUE
// partition.
//
//go:embed partition_add.sql
var PartitionAdd string

// PartitionSplitMax splits the MAXVALUE partition %[2]s into the
// definitions %[3]s (new days, then MAXVALUE again).
//
//go:embed partition_split_max.sql
var PartitionSplitMax string

// PartitionDrop drops whole partitions (%[2]s, comma-separated).
//
//go:embed partition_drop.sql
var PartitionDrop string

// ShowCreateTable is the table's DDL as the server keeps it (TiDB shows
// its TTL there).
//
//go:embed show_create_table.sql
var ShowCreateTable string

// TTLSet gives a TiDB table row TTL: rows whose time column %[2]s is more
// than %[3]d seconds old are deleted by TiDB's TTL jobs, run every %[4]s
// (minutes: TiDB's own duration syntax).
//
//go:embed ttl_set.sql
var TTLSet string

// TTLShown are the parts of TiDB's SHOW CREATE TABLE that say the table's
// TTL is the one TTLSet sets, with the same arguments.
//
//go:embed ttl_shown.txt
var TTLShown string
