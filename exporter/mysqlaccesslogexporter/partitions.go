package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter/internal/sqltemplates"
	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// Daily partitions: one RANGE partition per UTC day of start_time, named
// p<YYYYMMDD> after the last day it holds, plus a catch-all MAXVALUE
// partition so that a row beyond the last day (a clock far ahead, or
// maintenance that could not run) is still written. Retention drops whole
// partitions; the catch-all is never dropped.

const (
	day = 24 * time.Hour
	// maxPartition names the catch-all partition of tables the exporter
	// creates.
	maxPartition = "pmax"
	// partitionedStartTime is start_time in a table the exporter creates
	// partitioned: NOT NULL because the partition column is part of the
	// primary key, and whole seconds because MySQL 8 refuses
	// UNIX_TIMESTAMP() of a TIMESTAMP(3) as a partition function (its
	// result is DECIMAL). The gateway sends whole seconds and HiMarket's
	// bounds are whole seconds, so nothing is lost. The explicit default
	// keeps servers with explicit_defaults_for_timestamp=OFF from adding
	// ON UPDATE CURRENT_TIMESTAMP.
	partitionedStartTime = "TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP"
)

// partitionKind is a daily layout the exporter maintains: the three
// published start_time types, each partitioned the way MySQL allows.
type partitionKind int

const (
	// RANGE (UNIX_TIMESTAMP(start_time)): a TIMESTAMP column (the
	// exporter's own layout).
	partEpochOfTimestamp partitionKind = iota + 1
	// RANGE (start_time): a BIGINT column of epoch seconds.
	partEpochColumn
	// RANGE COLUMNS (start_time): a DATETIME column.
	partDatetimeColumns
)

// partition is one partition; upper is its exclusive bound (zero for
// MAXVALUE).
type partition struct {
	name  string
	upper time.Time
	max   bool
}

// partitionLayout is a table partitioned by ranges of start_time in one of
// the kinds above; parts are in order, a MAXVALUE partition last if any.
type partitionLayout struct {
	kind  partitionKind
	parts []partition
}

// readPartitions reads a table's partitions. partitioned reports any
// partitioning at all; layout is set only when it is one the exporter can
// maintain (anything else is left alone: retention deletes in chunks).
func readPartitions(ctx context.Context, db querier, database, table string) (layout *partitionLayout, partitioned bool, err error) {
	rows, err := db.QueryContext(ctx, sqltemplates.PartitionsRead, database, table)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	type raw struct{ name, method, expr, desc string }
	var all []raw
	for rows.Next() {
		var r raw
		var method, expr, desc sql.NullString
		if err := rows.Scan(&r.name, &method, &expr, &desc); err != nil {
			return nil, false, err
		}
		r.method, r.expr, r.desc = method.String, expr.String, desc.String
		all = append(all, r)
	}
	if err := rows.Err(); err != nil || len(all) == 0 {
		return nil, false, err
	}
	kind := kindOf(all[0].method, all[0].expr)
	if kind == 0 {
		return nil, true, nil
	}
	layout = &partitionLayout{kind: kind}
	for i, r := range all {
		p := partition{name: r.name}
		if strings.EqualFold(strings.Trim(r.desc, "()"), "MAXVALUE") {
			if i != len(all)-1 {
				return nil, true, nil
			}
			p.max = true
		} else if p.upper, err = kind.parseBound(r.desc); err != nil {
			return nil, true, nil
		}
		layout.parts = append(layout.parts, p)
	}
	return layout, true, nil
}

// kindOf recognizes the partition method and expression as
// information_schema.PARTITIONS shows them (MariaDB and MySQL quote the
// column with back-quotes, in lower case).
func kindOf(method, expr string) partitionKind {
	e := strings.ToLower(strings.NewReplacer("`", "", " ", "").Replace(expr))
	col := strings.ToLower(startTimeColumn())
	switch {
	case strings.EqualFold(method, "RANGE") && e == "unix_timestamp("+col+")":
		return partEpochOfTimestamp
	case strings.EqualFold(method, "RANGE") && e == col:
		return partEpochColumn
	case strings.EqualFold(method, "RANGE COLUMNS") && e == col:
		return partDatetimeColumns
	}
	return 0
}

func (k partitionKind) parseBound(desc string) (time.Time, error) {
	if k == partDatetimeColumns {
		return time.Parse(time.DateTime, strings.Trim(desc, "'"))
	}
	n, err := strconv.ParseInt(desc, 10, 64)
	return time.Unix(n, 0).UTC(), err
}

// bound is t as a VALUES LESS THAN literal: epoch seconds, or a UTC
// DATETIME literal (the exporter writes DATETIME as UTC).
func (k partitionKind) bound(t time.Time) string {
	if k == partDatetimeColumns {
		return "'" + t.UTC().Format(time.DateTime) + "'"
	}
	return strconv.FormatInt(t.Unix(), 10)
}

// definition is the PARTITION clause of p. The catch-all's bound is
// MAXVALUE, in parentheses for RANGE COLUMNS.
func (k partitionKind) definition(p partition) string {
	less := "MAXVALUE"
	switch {
	case !p.max:
		less = "(" + k.bound(p.upper) + ")"
	case k == partDatetimeColumns:
		less = "(MAXVALUE)"
	}
	return "PARTITION " + accesslog.QuoteIdent(p.name) + " VALUES LESS THAN " + less
}

func startOfDay(t time.Time) time.Time {
	return t.UTC().Truncate(day)
}

// dayPartition is the partition holding the UTC day that ends at upper.
func dayPartition(upper time.Time) partition {
	return partition{name: "p" + upper.Add(-day).Format("20060102"), upper: upper}
}

// lastUpper is the highest day bound (zero when there is none).
func (l *partitionLayout) lastUpper() time.Time {
	var last time.Time
	for _, p := range l.parts {
		if !p.max && p.upper.After(last) {
			last = p.upper
		}
	}
	return last
}

func (l *partitionLayout) hasMax() bool {
	return len(l.parts) > 0 && l.parts[len(l.parts)-1].max
}

// missing are the partitions to add so that every day up to ahead days
// after now's has one. When the last bound is in the past, the first new
// partition reaches back to it (it holds the gap as well as today).
func (l *partitionLayout) missing(now time.Time, ahead int) []partition {
	target := startOfDay(now).Add(time.Duration(ahead+1) * day)
	next := startOfDay(now).Add(day)
	if last := l.lastUpper(); !last.IsZero() && startOfDay(last).Add(day).After(next) {
		next = startOfDay(last).Add(day)
	}
	taken := map[string]bool{}
	for _, p := range l.parts {
		taken[strings.ToLower(p.name)] = true
	}
	var out []partition
	for ; !next.After(target); next = next.Add(day) {
		p := dayPartition(next)
		if taken[p.name] {
			continue
		}
		out = append(out, p)
	}
	return out
}

// expired are the day partitions every row of which is older than cutoff
// (upper bound at or before it), oldest first. The newest day partition is
// never among them, so that new days can always be split off or appended
// after it.
func (l *partitionLayout) expired(cutoff time.Time) []partition {
	last := l.lastUpper()
	var out []partition
	for _, p := range l.parts {
		if !p.max && !p.upper.After(cutoff) && p.upper.Before(last) {
			out = append(out, p)
		}
	}
	return out
}

// initialPartitions are those of a table created now: today (holding
// everything before tomorrow), ahead more days, and the catch-all.
func initialPartitions(now time.Time, ahead int) []partition {
	var parts []partition
	for i := 1; i <= ahead+1; i++ {
		parts = append(parts, dayPartition(startOfDay(now).Add(time.Duration(i)*day)))
	}
	return append(parts, partition{name: maxPartition, max: true})
}

// partitionClause is the PARTITION BY clause of a table created with
// partitioning: daily.
func partitionClause(now time.Time, ahead int) string {
	parts := initialPartitions(now, ahead)
	defs := make([]string, len(parts))
	for i, p := range parts {
		defs[i] = "  " + partEpochOfTimestamp.definition(p)
	}
	return fmt.Sprintf(sqltemplates.PartitionByDay, accesslog.QuoteIdent(startTimeColumn()), strings.Join(defs, ",\n"))
}

// addPartitionsSQL adds parts: split off the catch-all when there is one
// (MySQL only appends after the last partition), else appended.
func (l *partitionLayout) addPartitionsSQL(table string, parts []partition) string {
	defs := make([]string, 0, len(parts)+1)
	for _, p := range parts {
		defs = append(defs, l.kind.definition(p))
	}
	if l.hasMax() {
		mp := l.parts[len(l.parts)-1]
		defs = append(defs, l.kind.definition(mp))
		return fmt.Sprintf(sqltemplates.PartitionSplitMax, table, accesslog.QuoteIdent(mp.name), strings.Join(defs, ", "))
	}
	return fmt.Sprintf(sqltemplates.PartitionAdd, table, strings.Join(defs, ", "))
}

// dropPartitionsSQL drops parts whole.
func dropPartitionsSQL(table string, parts []partition) string {
	names := make([]string, len(parts))
	for i, p := range parts {
		names[i] = accesslog.QuoteIdent(p.name)
	}
	return fmt.Sprintf(sqltemplates.PartitionDrop, table, strings.Join(names, ", "))
}

// startTimeColumn is start_time's column, from the field table.
func startTimeColumn() string {
	return accesslog.ByAttr(accesslog.AttrStartTime).Column
}
