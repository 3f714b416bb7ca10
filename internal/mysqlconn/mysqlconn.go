// Package mysqlconn builds the driver configuration shared by everything
// that talks to the access_logs database: the exporter that writes it and
// the query extension that reads it.
package mysqlconn // import "github.com/otelcol-higress/otelcol-higress/internal/mysqlconn"

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/go-sql-driver/mysql"
	"go.opentelemetry.io/collector/config/configtls"
	"go.uber.org/zap"
)

// Config turns the user's DSN into the driver's Config with the session
// settings every statement relies on. It is built from mysql.Config, never
// by string concatenation, and the result is never logged. Callers add
// what only they need (interpolation, read-only rejection, …).
func Config(ctx context.Context, dsn string, tls configtls.ClientConfig, connectTimeout time.Duration, logger *zap.Logger) (*mysql.Config, error) {
	mc, err := mysql.ParseDSN(dsn)
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
	if connectTimeout > 0 {
		mc.Timeout = connectTimeout
	}
	mc.Logger = driverLogger{logger}
	// The collector's tls settings, when they ask for TLS, override any
	// tls= of the DSN.
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
