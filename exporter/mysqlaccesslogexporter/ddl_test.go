package mysqlaccesslogexporter

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"

	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
)

// createFromDDL creates access_logs in tg's database from the published
// DDL name (internal/mysqltest).
func createFromDDL(t *testing.T, tg *target, name string) {
	tg.exec(t, "CREATE DATABASE IF NOT EXISTS "+accesslog.QuoteIdent(tg.database))
	tg.exec(t, mysqltest.PublishedDDL(name, qualified(tg.database, "access_logs"))...)
}

// TestPublishedDDLs: a table created by each published DDL keeps working:
// written to with start_time in its type, missing idempotency column and
// indexes added, bodies written where the table has columns for them.
func TestPublishedDDLs(t *testing.T) {
	pv := loadHiMarketTemplates(t)[0]
	require.Equal(t, "pv", pv.key)
	for _, tc := range []struct {
		file      string
		startTime string
		bodies    bool
		himarket  string // HiMarket's PV card over the row's minute
	}{
		{file: mysqltest.DDLReadmeDatetime, startTime: "2026-03-01T02:00:05Z", himarket: "1"},
		{file: mysqltest.DDLPOCAutoCreate, startTime: "2026-03-01T02:00:05Z", himarket: "1"},
		// Written correctly (epoch seconds), but HiMarket compares and
		// buckets start_time as a timestamp: it reads nothing from it.
		{file: mysqltest.DDLDocsBigint, startTime: "1772330405", bodies: true, himarket: "0"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			eachTarget(t, func(t *testing.T, tg *target) {
				createFromDDL(t, tg, tc.file)
				exp, _ := startExporter(t, testConfig(tg, tg.dsn), nopSettings())
				entry := fullEntry()
				entry["req_body"] = `{"messages":[{"role":"user","content":"hi"}]}`
				entry["resp_body"] = "data: [DONE]"
				logs := entryLogs(entry)
				require.NoError(t, exp.ConsumeLogs(context.Background(), logs))
				// Redelivered: absorbed by the idempotency column.
				require.NoError(t, exp.ConsumeLogs(context.Background(), logs))

				got := readRow(t, tg, "access_logs", "req-full")
				require.NotNil(t, got["start_time"])
				assert.Equal(t, tc.startTime, *got["start_time"])
				assert.Equal(t, "qwen-max", *got["model"])
				assert.Equal(t, "30", *got["total_tokens"])
				jsonEqual(t, entry["ai_log"].(string), got["ai_log"])
				assert.NotNil(t, got["record_uid"])
				if tc.bodies {
					assert.Equal(t, entry["req_body"], *got["request_body"])
					assert.Equal(t, "data: [DONE]", *got["response_body"])
				} else {
					_, has := got["request_body"]
					assert.False(t, has, "request_body is never created")
				}
				from := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
				query, args := hmRequest{from: from, to: from.Add(time.Minute), interval: 15}.expand(pv.sql)
				card, err := queryStrings(inDatabase(t, tg), query, args...)
				if tc.himarket == "0" && tg.gms {
					// go-mysql-server refuses to compare a BIGINT with a
					// timestamp; HiMarket shows an empty card either way.
					assert.ErrorContains(t, err, "is not a valid value for 'bigint'")
				} else {
					require.NoError(t, err)
					assert.Equal(t, [][]string{{tc.himarket}}, card)
				}

				// The DDL's own index on (model, start_time) serves; one is
				// added where it has none.
				idx := slices.Collect(maps.Values(indexColumns(t, tg, "access_logs")))
				assert.Equal(t, "record_uid", indexColumns(t, tg, "access_logs")["uk_record_uid"])
				assert.Contains(t, idx, "model,start_time")
				assert.Contains(t, idx, "consumer,start_time")
			})
		})
	}
}

// indexColumns maps index name → comma-joined columns.
func indexColumns(t *testing.T, tg *target, table string) map[string]string {
	rows, err := tg.admin.Query(`SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS
		WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX`, tg.database, table)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name, col string
		require.NoError(t, rows.Scan(&name, &col))
		if out[name] != "" {
			out[name] += ","
		}
		out[name] += strings.ToLower(col)
	}
	return out
}

// TestCreatedSchemaIsComplete: on an empty server the database, table,
// dead-letter table and exactly the index set HiMarket's queries use are
// created (the idempotency key, start_time, and (column, start_time) for
// the columns its filters put in SQL), and a second start changes nothing.
func TestCreatedSchemaIsComplete(t *testing.T) {
	eachTarget(t, func(t *testing.T, tg *target) {
		cfg := testConfig(tg, tg.dsn)
		exp, _ := startExporter(t, cfg, nopSettings())
		require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(simpleEntries(3, "c")...)))
		all := indexColumns(t, tg, "access_logs")
		idx := maps.Clone(all)
		delete(idx, "PRIMARY") // go-mysql-server does not list it
		want := map[string]string{"uk_record_uid": "record_uid", "idx_start_time": "start_time"}
		for _, c := range []string{"trace_id", "request_id", "api", "model", "consumer", "route_name", "upstream_cluster"} {
			want["idx_"+c+"_time"] = c + ",start_time"
		}
		assert.Equal(t, want, idx)
		assert.Equal(t, 1, tg.count(t, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'access_logs_rejected'", tg.database))
		assert.Equal(t, "rejected_at", indexColumns(t, tg, "access_logs_rejected")["idx_rejected_at"])

		exp2, _ := startExporter(t, cfg, nopSettings())
		require.NoError(t, exp2.ConsumeLogs(context.Background(), entryLogs(simpleEntries(2, "d")...)))
		assert.Equal(t, all, indexColumns(t, tg, "access_logs"))
		assert.Equal(t, 5, tg.count(t, "SELECT COUNT(*) FROM "+qualified(tg.database, "access_logs")))
	})
}

// TestPartialTable: with create_schema the columns a table lacks are added;
// without it they are skipped and the write still succeeds (no idempotency
// column: plain INSERT).
func TestPartialTable(t *testing.T) {
	for _, create := range []bool{true, false} {
		name := "create_schema=false"
		if create {
			name = "create_schema=true"
		}
		t.Run(name, func(t *testing.T) {
			eachTarget(t, func(t *testing.T, tg *target) {
				tg.exec(t, "CREATE DATABASE IF NOT EXISTS "+accesslog.QuoteIdent(tg.database),
					"CREATE TABLE "+qualified(tg.database, "access_logs")+
						" (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, start_time DATETIME NOT NULL, request_id VARCHAR(64), model VARCHAR(64))")
				cfg := testConfig(tg, tg.dsn)
				cfg.CreateSchema = create
				exp, _ := startExporter(t, cfg, nopSettings())
				require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(fullEntry())))
				got := readRow(t, tg, "access_logs", "req-full")
				assert.Equal(t, "qwen-max", *got["model"])
				assert.Equal(t, "2026-03-01T02:00:05Z", *got["start_time"])
				_, hasTokens := got["total_tokens"]
				_, hasUID := got["record_uid"]
				assert.Equal(t, create, hasTokens)
				assert.Equal(t, create, hasUID)
				if create {
					assert.Equal(t, "30", *got["total_tokens"])
				}
			})
		})
	}
}

// TestLeastPrivilegeUser: a user who may only read and write the existing
// table (no CREATE/ALTER/INDEX) still gets every row written; the schema
// steps it may not do are skipped with a warning.
func TestLeastPrivilegeUser(t *testing.T) {
	tg := mariaTarget(t)
	createFromDDL(t, tg, mysqltest.DDLReadmeDatetime)
	user := "otel_" + tg.database[len(tg.database)-8:]
	tg.exec(t, "CREATE USER '"+user+"'@'%' IDENTIFIED BY 'pw-"+user+"'",
		"GRANT SELECT, INSERT, UPDATE ON "+accesslog.QuoteIdent(tg.database)+".* TO '"+user+"'@'%'")
	t.Cleanup(func() { _, _ = tg.admin.Exec("DROP USER '" + user + "'@'%'") })

	mc, err := mysql.ParseDSN(tg.dsn)
	require.NoError(t, err)
	mc.User, mc.Passwd = user, "pw-"+user
	cfg := testConfig(tg, mc.FormatDSN())
	exp, _ := startExporter(t, cfg, nopSettings())
	require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(simpleEntries(5, "lp")...)))
	assert.Equal(t, 5, tg.count(t, "SELECT COUNT(*) FROM "+qualified(tg.database, "access_logs")))
}

// TestNewFieldBecomesColumn: a row added to the field table (with a column
// and an SQL type) is a column of a new table, added to an existing one,
// and written, without exporter code.
func TestNewFieldBecomesColumn(t *testing.T) {
	saved := accesslog.Fields
	t.Cleanup(func() { accesslog.Fields = saved })
	accesslog.Fields = append(append([]accesslog.Field(nil), saved...),
		accesslog.Field{JSON: "test_cost", Attr: "higress.test.cost", Kind: accesslog.Int, Column: "test_cost", SQLType: "BIGINT"})

	eachTarget(t, func(t *testing.T, tg *target) {
		createFromDDL(t, tg, mysqltest.DDLPOCAutoCreate) // an existing table without the column
		exp, _ := startExporter(t, testConfig(tg, tg.dsn), nopSettings())
		ld := entryLogs(simpleEntries(1, "cost")...)
		ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0).Attributes().PutInt("higress.test.cost", 42)
		require.NoError(t, exp.ConsumeLogs(context.Background(), ld))
		got := readRow(t, tg, "access_logs", "cost-0")
		require.NotNil(t, got["test_cost"])
		assert.Equal(t, "42", *got["test_cost"])
	})
}

// TestOldIndexSetKept: a table with the index set create_schema made before
// (eleven (column, start_time) indexes) keeps every one of them: the
// exporter adds what is missing and never drops an index.
func TestOldIndexSetKept(t *testing.T) {
	tg := mariaTarget(t)
	tbl := qualified(tg.database, "access_logs")
	tg.exec(t, "CREATE DATABASE IF NOT EXISTS "+accesslog.QuoteIdent(tg.database),
		createTableSQL(tg.database, "access_logs", tg.flavor, false, time.Time{}, 0),
		"CREATE UNIQUE INDEX `uk_record_uid` ON "+tbl+" (`record_uid`)",
		"CREATE INDEX `idx_start_time` ON "+tbl+" (`start_time`)")
	for _, c := range benchIndexSets[0].columns {
		tg.exec(t, "CREATE INDEX `idx_"+c+"_time` ON "+tbl+" (`"+c+"`, `start_time`)")
	}
	before := indexColumns(t, tg, "access_logs")
	require.Len(t, before, 14)
	exp, _ := startExporter(t, testConfig(tg, tg.dsn), nopSettings())
	require.NoError(t, exp.ConsumeLogs(context.Background(), entryLogs(simpleEntries(2, "old-set")...)))
	// Every old index stays; the one the old set lacked (request_id, for
	// the query extension's lookups) is added.
	after := indexColumns(t, tg, "access_logs")
	assert.Equal(t, "request_id,start_time", after["idx_request_id_time"])
	delete(after, "idx_request_id_time")
	assert.Equal(t, before, after)
}
