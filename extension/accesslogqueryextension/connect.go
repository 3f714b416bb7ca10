package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"
	"go.uber.org/zap"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// driverConfig turns the user's DSN into the driver's Config with the
// session settings every read relies on. It is built from mysql.Config,
// never by string concatenation, and it is never logged.
func driverConfig(ctx context.Context, cfg *Config, logger *zap.Logger) (*mysql.Config, error) {
	mc, err := mysql.ParseDSN(string(cfg.DSN))
	if err != nil {
		return nil, fmt.Errorf("dsn: %w", err)
	}
	// Every statement names its database, so none is needed at connect.
	mc.DBName = ""
	if mc.Params == nil {
		mc.Params = map[string]string{}
	}
	// A TIMESTAMP column is converted to the session zone: UTC makes the
	// instants read back the ones written, whatever the server's zone.
	mc.Params["time_zone"] = "'+00:00'"
	mc.Loc = time.UTC
	mc.ParseTime = true
	mc.Collation = "utf8mb4_general_ci"
	// Values travel as server-side prepared statement parameters, never
	// inside the statement text, not even escaped by the driver.
	mc.InterpolateParams = false
	if cfg.ConnectTimeout > 0 {
		mc.Timeout = cfg.ConnectTimeout
	}
	mc.Logger = driverLogger{logger}
	if !cfg.MySQLTLS.Insecure || cfg.MySQLTLS.CAFile != "" || len(cfg.MySQLTLS.CAPem) > 0 {
		tlsCfg, err := cfg.MySQLTLS.LoadTLSConfig(ctx)
		if err != nil {
			return nil, err
		}
		if tlsCfg != nil {
			if tlsCfg.ServerName == "" && !tlsCfg.InsecureSkipVerify {
				tlsCfg.ServerName = hostOnly(mc.Addr)
			}
			mc.TLS = tlsCfg
		}
	}
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

// driverLogger routes the driver's own messages (dropped connections) to
// the collector's logger instead of stderr.
type driverLogger struct{ l *zap.Logger }

func (d driverLogger) Print(v ...any) {
	d.l.Debug("mysql driver", zap.String("message", fmt.Sprint(v...)))
}

func hostOnly(addr string) string {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			return addr[:i]
		}
		if addr[i] == ']' {
			break
		}
	}
	return addr
}
