package mysqltest // import "github.com/otelcol-higress/otelcol-higress/internal/mysqltest"

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// DefaultDSN is the machine's MariaDB, as the Makefile and CI expect it.
const DefaultDSN = "root@tcp(127.0.0.1:3306)/"

// ServerDSN is MYSQL_TEST_DSN or DefaultDSN, without a database.
func ServerDSN() string {
	if dsn := os.Getenv("MYSQL_TEST_DSN"); dsn != "" {
		return dsn
	}
	return DefaultDSN
}

// Database is a scratch database on a real server, dropped at cleanup.
type Database struct {
	// Name of the database.
	Name string
	// DSN connects with Name as the default database.
	DSN string
	// ServerDSN connects without a default database.
	ServerDSN string
	// DB is an admin connection (session time zone UTC).
	DB *sql.DB
}

// NewDatabase creates a uniquely named database on the MYSQL_TEST_DSN
// server and drops it when the test ends. It skips the test when no server
// answers, so that machines without MariaDB still run the rest.
func NewDatabase(tb testing.TB) *Database {
	tb.Helper()
	return newDatabase(tb, ServerDSN(), "no MySQL/MariaDB at MYSQL_TEST_DSN")
}

// newDatabase is a scratch database on the server of serverDSN; when it
// does not answer, the test is skipped with unreachable ("" fails it).
func newDatabase(tb testing.TB, serverDSN, unreachable string) *Database {
	tb.Helper()
	base, err := mysql.ParseDSN(serverDSN)
	if err != nil {
		tb.Fatalf("server DSN: %v", err)
	}
	base.DBName = ""
	base.ParseTime = true
	base.Timeout = 3 * time.Second
	if base.Params == nil {
		base.Params = map[string]string{}
	}
	base.Params["time_zone"] = "'+00:00'"
	admin, err := sql.Open("mysql", base.FormatDSN())
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		_ = admin.Close()
		if unreachable == "" {
			tb.Fatalf("database server: %v", err)
		}
		tb.Skipf("%s (%v); skipping", unreachable, err)
	}
	name := "otelt_" + randomHex(6)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` DEFAULT CHARACTER SET utf8mb4"); err != nil {
		_ = admin.Close()
		tb.Fatalf("create database: %v", err)
	}
	tb.Cleanup(func() {
		_, _ = admin.Exec("DROP DATABASE IF EXISTS `" + name + "`")
		_ = admin.Close()
	})
	withDB := *base
	withDB.DBName = name
	return &Database{Name: name, DSN: withDB.FormatDSN(), ServerDSN: base.FormatDSN(), DB: admin}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
