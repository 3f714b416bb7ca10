package main

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
)

// usagePricing prices gpt-4o as OpenAI lists it (USD per million tokens).
const usagePricing = "yaml:processors::ailog::pricing: " +
	"{currency: USD, models: [{model: 'gpt-4o*', input_per_million: 2.5, cached_input_per_million: 1.25, output_per_million: 10}]}"

// An existing table of a published DDL gains the nullable cached_tokens,
// reasoning_tokens and cost columns (create_schema), which the pipeline
// fills from ai_log and the price table; on MariaDB and on the MySQL 8
// dialect of go-mysql-server.
func TestUsageColumnsOnPublishedDDL(t *testing.T) {
	for _, target := range []string{"mariadb", "go-mysql-server"} {
		t.Run(target, func(t *testing.T) {
			var admin *sql.DB
			var dsn, database string
			extra := []string{}
			if target == "mariadb" {
				db := mysqltest.NewDatabase(t)
				admin, dsn, database = db.DB, db.DSN, db.Name
			} else {
				srv, err := mysqltest.StartMemory("127.0.0.1:0", "higress")
				require.NoError(t, err)
				t.Cleanup(func() { _ = srv.Close() })
				dsn, database = srv.DSN()+"higress", "higress"
				// interpolateParams: go-mysql-server does not see columns
				// added after a connection was opened in statements that
				// connection prepares.
				admin, err = sql.Open("mysql", srv.DSN()+"?interpolateParams=true")
				require.NoError(t, err)
				t.Cleanup(func() { admin.Close() })
				// The in-process server runs one statement at a time: one writer.
				extra = append(extra, "yaml:receivers::higresslog::wal::num_consumers: 1")
			}
			for _, stmt := range mysqltest.PublishedDDL(mysqltest.DDLReadmeDatetime, "`"+database+"`.access_logs") {
				_, err := admin.Exec(stmt)
				require.NoError(t, err)
			}

			t.Setenv("MYSQL_DSN", dsn)
			t.Setenv("WAL_DIR", t.TempDir())
			addr := freeAddr(t)
			startCollector(t, append([]string{"file:../../config/docker.yaml",
				"yaml:receivers::higresslog::endpoint: " + addr,
				"yaml:extensions::health_check::endpoint: " + freeAddr(t),
				usagePricing}, extra...)...)

			priced := aiEntry("priced", "gpt-4o", "team-a", "r", 12000, 800)
			priced["ai_log"] = map[string]any{"model": "gpt-4o-2024-08-06", "input_token": 12000, "output_token": 800,
				"cached_tokens": "10000", "output_token_details": `{"reasoning_tokens":300}`}
			unpriced := aiEntry("unpriced", "llama-3-70b", "team-a", "r", 5, 5)
			postEntries(t, addr, "", priced, unpriced)

			type usage struct{ cached, reasoning sql.NullInt64 }
			var cost sql.NullFloat64
			read := func(id string) (usage, bool) {
				var u usage
				err := admin.QueryRow("SELECT cached_tokens, reasoning_tokens, cost FROM `"+database+
					"`.access_logs WHERE request_id = ?", id).Scan(&u.cached, &u.reasoning, &cost)
				return u, err == nil
			}
			require.Eventually(t, func() bool { _, ok := read("unpriced"); return ok }, time.Minute, 50*time.Millisecond)
			require.Eventually(t, func() bool { _, ok := read("priced"); return ok }, time.Minute, 50*time.Millisecond)

			u, _ := read("priced")
			assert.Equal(t, usage{sql.NullInt64{Int64: 10000, Valid: true}, sql.NullInt64{Int64: 300, Valid: true}}, u)
			require.True(t, cost.Valid)
			// 2 000 uncached × 2.50 + 10 000 cached × 1.25 + 800 × 10.00, per million
			assert.InDelta(t, 0.0255, cost.Float64, 1e-12)

			u, _ = read("unpriced")
			assert.Equal(t, usage{}, u, "no cached or reasoning tokens: NULL")
			assert.False(t, cost.Valid, "unknown model: NULL cost")

			rows, err := admin.Query(`SELECT COLUMN_NAME, DATA_TYPE, IS_NULLABLE FROM information_schema.COLUMNS
				WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'access_logs' AND COLUMN_NAME IN ('cached_tokens', 'reasoning_tokens', 'cost')`, database)
			require.NoError(t, err)
			defer rows.Close()
			got := map[string]string{}
			for rows.Next() {
				var name, typ, nullable string
				require.NoError(t, rows.Scan(&name, &typ, &nullable))
				got[strings.ToLower(name)] = strings.ToLower(typ) + " " + nullable
			}
			require.NoError(t, rows.Err())
			assert.Equal(t, map[string]string{"cached_tokens": "bigint YES", "reasoning_tokens": "bigint YES", "cost": "double YES"}, got)
		})
	}
}
