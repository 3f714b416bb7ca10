package mysqlconn

import (
	"context"
	"database/sql"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.uber.org/zap"

	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
)

// server is a database on a real server (or the MySQL 8 dialect in
// process), reached the way the components reach it.
type server struct {
	flavor   Flavor
	db       *sql.DB
	database string
}

func servers(t *testing.T) map[string]func(t *testing.T) server {
	open := func(t *testing.T, dsn, database string) *sql.DB {
		mc, err := mysql.ParseDSN(dsn)
		require.NoError(t, err)
		mc.DBName = database
		c := NewDefaultClientConfig()
		c.DSN = configopaque.String(mc.FormatDSN())
		mc, err = c.Driver(context.Background(), zap.NewNop())
		require.NoError(t, err)
		db, err := c.Open(mc, 2, 2)
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	return map[string]func(t *testing.T) server{
		"mariadb": func(t *testing.T) server {
			d := mysqltest.NewDatabase(t)
			return server{MariaDB, open(t, d.ServerDSN, d.Name), d.Name}
		},
		"mysql8": func(t *testing.T) server {
			s, err := mysqltest.StartMemory("127.0.0.1:0", "higress")
			require.NoError(t, err)
			t.Cleanup(func() { _ = s.Close() })
			return server{MySQL, open(t, s.DSN(), "higress"), "higress"}
		},
		"tidb": func(t *testing.T) server {
			d := mysqltest.NewTiDBDatabase(t)
			return server{TiDB, open(t, d.ServerDSN, d.Name), d.Name}
		},
	}
}

// TestDetect: each server is told apart at connect; TiDB by tidb_version().
func TestDetect(t *testing.T) {
	for name, start := range servers(t) {
		t.Run(name, func(t *testing.T) {
			s := start(t)
			got, err := Detect(context.Background(), s.db)
			require.NoError(t, err)
			assert.Equal(t, s.flavor, got.Flavor)
			assert.NotEmpty(t, got.Version)
			if s.flavor == TiDB {
				assert.Regexp(t, `^v\d+\.\d+`, got.Version, "the release from tidb_version()")
			}
		})
	}
}

// TestReadColumns: one reader and one classifier for every server: YEAR
// is an integer, JSON is JSON where the server has it (MariaDB: LONGTEXT).
func TestReadColumns(t *testing.T) {
	for name, start := range servers(t) {
		t.Run(name, func(t *testing.T) {
			s := start(t)
			_, err := s.db.Exec("CREATE TABLE " + Qualified(s.database, "t") + ` (
				id BIGINT NOT NULL AUTO_INCREMENT, y YEAR, n INT UNSIGNED NOT NULL, f DOUBLE,
				ts TIMESTAMP(3) NULL, v VARCHAR(12), j JSON, PRIMARY KEY (id))`)
			require.NoError(t, err)
			cols, err := ReadColumns(context.Background(), s.db, s.database, "t")
			require.NoError(t, err)
			assert.Equal(t, ClassInt, cols["y"].Class, "year")
			assert.Equal(t, ClassInt, cols["n"].Class)
			n := cols["n"]
			assert.True(t, n.Unsigned())
			assert.False(t, cols["n"].Nullable)
			assert.Equal(t, ClassFloat, cols["f"].Class)
			assert.Equal(t, ClassTime, cols["ts"].Class)
			assert.Equal(t, 3, cols["ts"].FracSecs)
			assert.Equal(t, ClassString, cols["v"].Class)
			assert.Equal(t, int64(12), cols["v"].MaxChars.Int64)
			if s.flavor == MariaDB {
				assert.Equal(t, ClassString, cols["j"].Class, "MariaDB's JSON is LONGTEXT")
			} else {
				assert.Equal(t, ClassJSON, cols["j"].Class)
			}
			none, err := ReadColumns(context.Background(), s.db, s.database, "missing")
			require.NoError(t, err)
			assert.Empty(t, none)
		})
	}
}
