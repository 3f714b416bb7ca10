package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"context"
	"database/sql"
	"time"

	"github.com/go-sql-driver/mysql"
	"go.uber.org/zap"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
	"github.com/otelcol-higress/otelcol-higress/internal/mysqlconn"
)

// driverConfig is the shared session setup plus what only reads need.
func driverConfig(ctx context.Context, cfg *Config, logger *zap.Logger) (*mysql.Config, error) {
	mc, err := mysqlconn.Config(ctx, string(cfg.DSN), cfg.MySQLTLS, cfg.ConnectTimeout, logger)
	if err != nil {
		return nil, err
	}
	// Values travel as server-side prepared statement parameters, never
	// inside the statement text, not even escaped by the driver.
	mc.InterpolateParams = false
	return mc, nil
}

// openDB opens the pool; database/sql dials lazily, so this cannot fail
// because the database is down.
func openDB(mc *mysql.Config, cfg *Config) (*sql.DB, error) {
	connector, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(cfg.MaxOpenConns)
	db.SetMaxIdleConns(2)
	db.SetConnMaxIdleTime(5 * time.Minute)
	db.SetConnMaxLifetime(30 * time.Minute)
	return db, nil
}

// qualified is `database`.`table`.
func qualified(database, table string) string {
	return accesslog.QuoteIdent(database) + "." + accesslog.QuoteIdent(table)
}
