package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// indexPrefixChars bounds index keys on long or TEXT columns: 191 utf8mb4
// characters fit InnoDB's 767-byte limit of old row formats too.
const (
	indexPrefixChars  = 191
	maxFullIndexChars = 768
)

// wantedIndex is an index HiMarket's filters need: start_time, and
// (column, start_time) for the columns it filters on.
type wantedIndex struct {
	name    string
	columns []string
	unique  bool
}

// wantedIndexes derives the indexes from the field table: the idempotency
// key, start_time, and (column, start_time) for every Indexed field. In a
// partitioned table the idempotency key is (record_uid, start_time), as
// MySQL wants the partition column in every unique key: a retried record
// carries the same start_time, so it still meets its first copy.
func wantedIndexes(live map[string]liveColumn, partitioned bool) []wantedIndex {
	start := startTimeColumn()
	_, hasStart := live[strings.ToLower(start)]
	uk := wantedIndex{name: "uk_" + accesslog.RecordUID.Column, columns: []string{accesslog.RecordUID.Column}, unique: true}
	if partitioned && hasStart {
		uk.columns = append(uk.columns, start)
	}
	out := []wantedIndex{uk}
	if hasStart {
		out = append(out, wantedIndex{name: "idx_" + start, columns: []string{start}})
	}
	for i := range accesslog.Fields {
		f := &accesslog.Fields[i]
		if !f.Indexed || f.Column == "" {
			continue
		}
		if _, ok := live[strings.ToLower(f.Column)]; !ok {
			continue
		}
		w := wantedIndex{name: "idx_" + f.Column, columns: []string{f.Column}}
		if hasStart {
			w.name += "_time"
			w.columns = append(w.columns, start)
		}
		out = append(out, w)
	}
	return out
}

// liveIndex is an index of the table as information_schema lists it.
type liveIndex struct {
	columns []string
	unique  bool
}

func readIndexes(ctx context.Context, db querier, database, table string) (map[string]*liveIndex, error) {
	rows, err := db.QueryContext(ctx, `SELECT INDEX_NAME, COLUMN_NAME, NON_UNIQUE FROM information_schema.STATISTICS
		WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX`, database, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*liveIndex{}
	for rows.Next() {
		var name, col string
		var nonUnique int
		if err := rows.Scan(&name, &col, &nonUnique); err != nil {
			return nil, err
		}
		idx, ok := out[strings.ToLower(name)]
		if !ok {
			idx = &liveIndex{unique: nonUnique == 0}
			out[strings.ToLower(name)] = idx
		}
		idx.columns = append(idx.columns, strings.ToLower(col))
	}
	return out, rows.Err()
}

// covered: an existing index serves the wanted one when it starts with the
// same columns (a unique one must be exactly them, unique).
func covered(w wantedIndex, live map[string]*liveIndex) bool {
	want := make([]string, len(w.columns))
	for i, c := range w.columns {
		want[i] = strings.ToLower(c)
	}
	for _, idx := range live {
		if w.unique {
			if idx.unique && slices.Equal(idx.columns, want) {
				return true
			}
			continue
		}
		if len(idx.columns) >= len(want) && slices.Equal(idx.columns[:len(want)], want) {
			return true
		}
	}
	return false
}

// createIndexes adds the wanted indexes no existing index covers. MySQL 8
// has no CREATE INDEX IF NOT EXISTS (MariaDB-only syntax that fails there),
// hence the information_schema check.
func (e *mysqlExporter) createIndexes(ctx context.Context, database, table string, cols map[string]liveColumn, wanted []wantedIndex) error {
	live, err := readIndexes(ctx, e.db, database, table)
	if err != nil {
		return err
	}
	for _, w := range wanted {
		if covered(w, live) {
			continue
		}
		if _, taken := live[strings.ToLower(w.name)]; taken {
			e.logger.Warn("an index with this name but other columns exists; not adding ours",
				zap.String("index", w.name), zap.Strings("columns", w.columns))
			continue
		}
		keys := make([]string, len(w.columns))
		for i, c := range w.columns {
			keys[i] = accesslog.QuoteIdent(c) + prefixLength(cols[strings.ToLower(c)])
		}
		kind := "INDEX"
		if w.unique {
			kind = "UNIQUE INDEX"
		}
		// Without the privilege: missing indexes slow HiMarket down, not
		// writing would lose data.
		stmt := "CREATE " + kind + " " + accesslog.QuoteIdent(w.name) + " ON " + qualified(database, table) + " (" + strings.Join(keys, ", ") + ")"
		ran, err := e.schemaDDL(ctx, stmt, actionCreateIndex, "index", w.name, "no privilege to create an index; continuing without it")
		if err != nil {
			return err
		}
		if ran {
			live[strings.ToLower(w.name)] = &liveIndex{columns: w.columns, unique: w.unique}
		}
	}
	return nil
}

// leadingIndex reports whether an index starts with column: the one a
// range on that column can walk.
func leadingIndex(live map[string]*liveIndex, column string) bool {
	for _, idx := range live {
		if len(idx.columns) > 0 && strings.EqualFold(idx.columns[0], column) {
			return true
		}
	}
	return false
}

// prefixLength indexes TEXT/BLOB and very wide VARCHAR columns (published
// DDLs have path TEXT, user_agent TEXT) by a prefix, which they require.
func prefixLength(c liveColumn) string {
	switch c.DataType {
	case "tinytext", "text", "mediumtext", "longtext", "tinyblob", "blob", "mediumblob", "longblob":
		return "(" + strconv.Itoa(indexPrefixChars) + ")"
	}
	if c.MaxChars.Valid && c.MaxChars.Int64 > maxFullIndexChars {
		return "(" + strconv.Itoa(indexPrefixChars) + ")"
	}
	return ""
}
