package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"
	"go.uber.org/zap"
)

// driverConfig turns the user's DSN into the driver's Config with the
// session settings every write relies on. It is built from mysql.Config,
// never by string concatenation, and the result is never logged.
func driverConfig(ctx context.Context, cfg *Config, logger *zap.Logger) (*mysql.Config, error) {
	mc, err := mysql.ParseDSN(string(cfg.DSN))
	if err != nil {
		return nil, fmt.Errorf("dsn: %w", err)
	}
	// Connect without a default database: it may not exist yet, and every
	// statement names its database explicitly anyway.
	mc.DBName = ""
	if mc.Params == nil {
		mc.Params = map[string]string{}
	}
	// start_time is sent as a UTC instant; a TIMESTAMP column converts from
	// the session zone, so the session must be UTC whatever the server's
	// time_zone is, or rows would shift by the server's zone.
	mc.Params["time_zone"] = "'+00:00'"
	mc.Loc = time.UTC
	// utf8mb4 end to end: values are repaired to valid UTF-8 and may hold
	// 4-byte characters (emoji, CJK extensions).
	mc.Collation = "utf8mb4_general_ci"
	// One round trip per chunk; the driver escapes every argument, the
	// statement text only ever has placeholders.
	mc.InterpolateParams = true
	// 0 makes the driver read the server's max_allowed_packet.
	mc.MaxAllowedPacket = 0
	mc.ParseTime = true
	// Without this the driver reports "matched" rows for ON DUPLICATE KEY
	// UPDATE and duplicates could not be told from inserts.
	mc.ClientFoundRows = false
	// A connection to a read-only replica (after a failover) fails fast and
	// is replaced, instead of failing every write on it.
	mc.RejectReadOnly = true
	if cfg.ConnectTimeout > 0 {
		mc.Timeout = cfg.ConnectTimeout
	}
	mc.Logger = driverLogger{logger}
	// TLS comes from the tls settings only (Validate refuses the DSN's tls=).
	mc.TLS, mc.TLSConfig = nil, ""
	if !cfg.TLS.Insecure || cfg.TLS.CAFile != "" || len(cfg.TLS.CAPem) > 0 {
		tlsCfg, err := cfg.TLS.LoadTLSConfig(ctx)
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

// openDB opens a pool of size connections; it does not dial (database/sql
// is lazy), so it cannot fail because the database is down.
func openDB(mc *mysql.Config, cfg *Config, size int) (*sql.DB, error) {
	connector, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(size)
	db.SetMaxIdleConns(size)
	db.SetConnMaxLifetime(cfg.ConnMaxLifetime)
	db.SetConnMaxIdleTime(cfg.ConnMaxIdleTime)
	return db, nil
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
