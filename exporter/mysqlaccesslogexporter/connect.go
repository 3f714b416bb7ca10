package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"context"
	"database/sql"

	"github.com/go-sql-driver/mysql"
	"go.uber.org/zap"

	"github.com/otelcol-higress/otelcol-higress/internal/mysqlconn"
)

// driverConfig is the shared session setup plus what only writes need.
// Validate refuses the DSN's tls=, so TLS comes from the tls settings only.
func driverConfig(ctx context.Context, cfg *Config, logger *zap.Logger) (*mysql.Config, error) {
	mc, err := mysqlconn.Config(ctx, string(cfg.DSN), cfg.TLS, cfg.ConnectTimeout, logger)
	if err != nil {
		return nil, err
	}
	// One round trip per chunk; the driver escapes every argument, the
	// statement text only ever has placeholders.
	mc.InterpolateParams = true
	// 0 makes the driver read the server's max_allowed_packet.
	mc.MaxAllowedPacket = 0
	// Without this the driver reports "matched" rows for ON DUPLICATE KEY
	// UPDATE and duplicates could not be told from inserts.
	mc.ClientFoundRows = false
	// A connection to a read-only replica (after a failover) fails fast and
	// is replaced, instead of failing every write on it.
	mc.RejectReadOnly = true
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
