package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"go.uber.org/zap"

	"github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter/internal/sqltemplates"
	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
	"github.com/otelcol-higress/otelcol-higress/internal/mysqlconn"
)

// Schema actions, the `action` attribute of the schema_actions metric.
const (
	actionCreateDatabase = "create_database"
	actionCreateTable    = "create_table"
	actionAddColumn      = "add_column"
	actionCreateIndex    = "create_index"
	actionAddPartition   = "add_partition"
	actionDropPartition  = "drop_partition"
	actionSetTTL         = "set_ttl"
)

// tableState is what one push needs to know about the live database.
type tableState struct {
	server     mysqlconn.Server
	cols       []column
	uid        bool  // the idempotency column exists
	deadLetter bool  // <table>_rejected exists
	maxPacket  int64 // server max_allowed_packet
}

// setupSchema creates what is missing (with create_schema) and reads the
// live table. Every check goes through information_schema so that it works
// the same on MySQL 8 and MariaDB (no IF NOT EXISTS on indexes or columns).
func (e *mysqlExporter) setupSchema(ctx context.Context) (*tableState, error) {
	database, table := e.database, e.cfg.Table
	server, err := mysqlconn.Detect(ctx, e.db)
	if err != nil {
		return nil, err
	}
	if e.cfg.CreateSchema {
		if err := e.createDatabase(ctx, database); err != nil {
			return nil, err
		}
		if err := e.createTable(ctx, database, table, server.Flavor); err != nil {
			return nil, err
		}
		if err := e.createDeadLetterTable(ctx); err != nil {
			if !isPrivilegeError(err) {
				return nil, err
			}
			e.logger.Warn("no privilege to create the dead-letter table; refused rows will be logged instead", zap.Error(err))
		}
	}
	live, err := readColumns(ctx, e.db, database, table)
	if err != nil {
		return nil, err
	}
	if len(live) == 0 {
		return nil, fmt.Errorf("table %s does not exist (create_schema is off)", qualified(database, table))
	}
	st := &tableState{server: server, cols: writableColumns(live)}
	if len(st.cols) == 0 {
		// Writing nothing would acknowledge records that are stored nowhere.
		return nil, fmt.Errorf("table %s has none of the access-log columns", qualified(database, table))
	}
	st.uid = columnNamed(st.cols, accesslog.RecordUID.Column) != nil
	if !st.uid {
		e.logger.Warn("the table has no idempotency column: a retried write may duplicate rows; enable create_schema or add it",
			zap.String("column", accesslog.RecordUID.Column))
	}
	if st.deadLetter, err = e.tableExists(ctx, database, table+rejectedSuffix); err != nil {
		return nil, err
	}
	if err := e.db.QueryRowContext(ctx, "SELECT @@max_allowed_packet").Scan(&st.maxPacket); err != nil {
		return nil, err
	}
	return st, nil
}

func (e *mysqlExporter) createDatabase(ctx context.Context, database string) error {
	var n int
	err := e.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", database).Scan(&n)
	if err != nil || n > 0 {
		return err
	}
	// A user without CREATE privilege may still own tables in a database
	// it cannot list; carry on and let the table step decide.
	_, err = e.schemaDDL(ctx, "CREATE DATABASE IF NOT EXISTS "+accesslog.QuoteIdent(database)+" DEFAULT CHARACTER SET utf8mb4",
		actionCreateDatabase, "database", database, "cannot create the database; assuming it exists")
	return err
}

// createTable creates the table from the field table, or adds the columns
// an existing table lacks; then adds missing indexes. An existing table is
// never repartitioned: that rewrites the whole table (README, "Table
// lifecycle", has the statement for operators who want it).
func (e *mysqlExporter) createTable(ctx context.Context, database, table string, flavor mysqlconn.Flavor) error {
	live, err := readColumns(ctx, e.db, database, table)
	if err != nil {
		return err
	}
	created := len(live) == 0
	if created {
		if err := e.createNewTable(ctx, database, table, flavor); err != nil {
			return err
		}
	} else {
		for _, f := range schemaFields() {
			if _, ok := live[strings.ToLower(f.Column)]; ok {
				continue
			}
			// Without the privilege, write what the table has rather than
			// nothing at all.
			stmt := "ALTER TABLE " + qualified(database, table) + " ADD COLUMN " + accesslog.QuoteIdent(f.Column) + " " + f.SQLType
			if _, err := e.schemaDDL(ctx, stmt, actionAddColumn, "column", f.Column, "no privilege to add a column; writing without it"); err != nil {
				return fmt.Errorf("adding column %s: %w", f.Column, err)
			}
		}
	}
	if live, err = readColumns(ctx, e.db, database, table); err != nil {
		return err
	}
	_, partitioned, err := readPartitions(ctx, e.db, database, table)
	if err != nil {
		return err
	}
	if e.cfg.daily() && !partitioned && !created {
		e.logger.Warn("partitioning: daily applies to tables the exporter creates; this one exists unpartitioned and is left as it is, "+
			"so retention deletes in chunks (docs/table-lifecycle.md gives the ALTER TABLE to partition it)", zap.String("table", table))
	}
	return e.createIndexes(ctx, database, table, live, wantedIndexes(live, partitioned))
}

// createNewTable creates the table, partitioned by day with partitioning:
// daily. A server that refuses the partitioned table (go-mysql-server
// cannot parse MAXVALUE; some managed services forbid partitioning) gets
// it unpartitioned, with a warning: writing matters more than the layout.
func (e *mysqlExporter) createNewTable(ctx context.Context, database, table string, flavor mysqlconn.Flavor) error {
	if e.cfg.daily() {
		_, err := e.db.ExecContext(ctx, createTableSQL(database, table, flavor, true, e.now(), e.cfg.PartitionsAhead))
		if err == nil {
			e.schemaAction(ctx, actionCreateTable, table)
			return nil
		}
		var me *mysql.MySQLError
		if !errors.As(err, &me) || classify(err) == classRetry {
			return err
		}
		e.logger.Warn("the server refused a partitioned table; creating it unpartitioned, retention deletes in chunks",
			zap.String("table", table), zap.Error(err))
	}
	if _, err := e.db.ExecContext(ctx, createTableSQL(database, table, flavor, false, time.Time{}, 0)); err != nil {
		return err
	}
	e.schemaAction(ctx, actionCreateTable, table)
	return nil
}

// schemaFields are the columns the exporter creates: every field with a
// SQLType, then the idempotency column. req/resp bodies have no SQLType:
// they are written only into tables that already have such columns.
func schemaFields() []*accesslog.Field {
	var out []*accesslog.Field
	for i := range accesslog.Fields {
		if f := &accesslog.Fields[i]; f.Column != "" && f.SQLType != "" {
			out = append(out, f)
		}
	}
	return append(out, &accesslog.RecordUID)
}

// tidbTableOptions spread the inserts of every collector over the TiDB
// cluster. The row is stored under the hidden _tidb_rowid, whose top 4
// bits are random (16 shards, split into their own regions at creation),
// instead of under an AUTO_INCREMENT clustered key that sends every
// insert to the table's last region. `id` stays the AUTO_INCREMENT primary
// key (non-clustered), handed out in order across TiDB servers
// (AUTO_ID_CACHE=1), so it still says which row came first: the query
// extension's tail follows it. AUTO_RANDOM is the other way TiDB offers
// (docs/databases.md says why not). utf8mb4_general_ci compares text as
// MySQL and MariaDB do by default (case-insensitively), not as TiDB's
// utf8mb4_bin: HiMarket's filters match the same rows everywhere.
const tidbTableOptions = " COLLATE=utf8mb4_general_ci SHARD_ROW_ID_BITS=4 PRE_SPLIT_REGIONS=4 AUTO_ID_CACHE=1"

// createTableSQL is the table's DDL from the field table. Partitioned,
// start_time is NOT NULL whole seconds and part of the primary key (MySQL
// wants the partition column in every unique key), with the partitions of
// now's day and ahead more. On TiDB the same columns and keys, laid out
// without a write hotspot (tidbTableOptions).
func createTableSQL(database, table string, flavor mysqlconn.Flavor, partitioned bool, now time.Time, ahead int) string {
	start := startTimeColumn()
	var b strings.Builder
	b.WriteString("CREATE TABLE IF NOT EXISTS " + qualified(database, table) + " (\n  `id` BIGINT NOT NULL AUTO_INCREMENT")
	for _, f := range schemaFields() {
		typ := f.SQLType
		if partitioned && f.Column == start {
			typ = partitionedStartTime
		}
		b.WriteString(",\n  " + accesslog.QuoteIdent(f.Column) + " " + typ)
	}
	key, options := "(`id`)", ""
	if partitioned {
		key = "(`id`, " + accesslog.QuoteIdent(start) + ")"
	}
	if flavor == mysqlconn.TiDB {
		key += " NONCLUSTERED"
		options = tidbTableOptions
	}
	b.WriteString(",\n  PRIMARY KEY " + key + "\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4" + options)
	if partitioned {
		b.WriteString("\n" + partitionClause(now, ahead))
	}
	return b.String()
}

func (e *mysqlExporter) tableExists(ctx context.Context, database, table string) (bool, error) {
	var n int
	err := e.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
		database, table).Scan(&n)
	return n > 0, err
}

// createDeadLetterTable creates <table>_rejected from its fixed template
// when it does not exist, and gives an older one the rejected_at index its
// retention walks.
func (e *mysqlExporter) createDeadLetterTable(ctx context.Context) error {
	table := e.cfg.Table + rejectedSuffix
	ok, err := e.tableExists(ctx, e.database, table)
	if err != nil {
		return err
	}
	if !ok {
		if _, err := e.db.ExecContext(ctx, fmt.Sprintf(sqltemplates.DeadLetterTable, e.deadLetterTable())); err != nil {
			return err
		}
		e.schemaAction(ctx, actionCreateTable, table)
		return nil
	}
	live, err := readColumns(ctx, e.db, e.database, table)
	if err != nil {
		return err
	}
	if _, has := live[deadLetterTimeColumn]; !has {
		return nil
	}
	return e.createIndexes(ctx, e.database, table, live, []wantedIndex{{name: "idx_" + deadLetterTimeColumn, columns: []string{deadLetterTimeColumn}}})
}

// schemaDDL runs one statement of create_schema and records it as action
// on object (named key in the log). A missing privilege is not an error:
// it is logged as noPrivilege and ran is false, so that the exporter
// writes to what exists rather than nothing.
func (e *mysqlExporter) schemaDDL(ctx context.Context, stmt, action, key, object, noPrivilege string) (ran bool, err error) {
	if _, err := e.db.ExecContext(ctx, stmt); err != nil {
		if isPrivilegeError(err) {
			e.logger.Warn(noPrivilege, zap.String(key, object), zap.Error(err))
			return false, nil
		}
		return false, err
	}
	e.schemaAction(ctx, action, object)
	return true, nil
}

func (e *mysqlExporter) schemaAction(ctx context.Context, action, object string) {
	e.logger.Info("schema changed", zap.String("action", action), zap.String("object", object))
	e.telemetry.ExporterMysqlaccesslogSchemaActions.Add(ctx, 1, attr("action", action))
}
