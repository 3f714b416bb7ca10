// Package mysqlconn is the one client of the access_logs database: the
// configuration block, the driver's settings, the pool, which server it
// is, and the information_schema reader. The exporter that writes the
// table and the query extension that reads it both go through it.
package mysqlconn // import "github.com/otelcol-higress/otelcol-higress/internal/mysqlconn"

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"time"

	"github.com/go-sql-driver/mysql"
	"go.uber.org/zap"
)

// Driver turns the settings into the driver's Config with the session
// settings every statement relies on. It is built from mysql.Config, never
// by string concatenation, and the result is never logged. Callers add
// what only they need (interpolation, read-only rejection, …).
func (c *ClientConfig) Driver(ctx context.Context, logger *zap.Logger) (*mysql.Config, error) {
	mc, err := mysql.ParseDSN(string(c.DSN))
	if err != nil {
		// The driver's parse errors name the offending part, never the
		// password.
		return nil, fmt.Errorf("dsn: %w", err)
	}
	// Connect without a default database: it may not exist yet, and every
	// statement names its database explicitly anyway.
	mc.DBName = ""
	if mc.Params == nil {
		mc.Params = map[string]string{}
	}
	// start_time travels as a UTC instant; a TIMESTAMP column converts from
	// and to the session zone, so the session must be UTC whatever the
	// server's time_zone is, or rows would shift by the server's zone.
	mc.Params["time_zone"] = "'+00:00'"
	mc.Loc = time.UTC
	mc.ParseTime = true
	// utf8mb4 end to end: values are repaired to valid UTF-8 and may hold
	// 4-byte characters (emoji, CJK extensions).
	mc.Collation = "utf8mb4_general_ci"
	if c.ConnectTimeout > 0 {
		mc.Timeout = c.ConnectTimeout
	}
	mc.Logger = driverLogger{logger}
	// The tls settings, when they ask for TLS, decide; Validate refuses a
	// tls= in the DSN, so there is no second say.
	tls := c.TLS
	if !tls.Insecure || tls.CAFile != "" || len(tls.CAPem) > 0 {
		tlsCfg, err := tls.LoadTLSConfig(ctx)
		if err != nil {
			return nil, err
		}
		if tlsCfg != nil {
			if tlsCfg.ServerName == "" && !tlsCfg.InsecureSkipVerify {
				tlsCfg.ServerName = hostOnly(mc.Addr)
			}
			mc.TLS, mc.TLSConfig = tlsCfg, ""
		}
	}
	return mc, nil
}

// Open opens a pool of at most size connections, idle of them kept; it
// does not dial (database/sql is lazy), so it cannot fail because the
// database is down.
func (c *ClientConfig) Open(mc *mysql.Config, size, idle int) (*sql.DB, error) {
	connector, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(size)
	db.SetMaxIdleConns(min(idle, size))
	db.SetConnMaxLifetime(c.ConnMaxLifetime)
	db.SetConnMaxIdleTime(c.ConnMaxIdleTime)
	return db, nil
}

// driverLogger routes the driver's own messages (dropped connections) to
// the collector's logger instead of stderr.
type driverLogger struct{ l *zap.Logger }

func (d driverLogger) Print(v ...any) {
	d.l.Debug("mysql driver", zap.String("message", fmt.Sprint(v...)))
}

// hostOnly is addr without its port, for TLS server-name verification.
func hostOnly(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}
