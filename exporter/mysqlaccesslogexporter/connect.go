package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"context"

	"github.com/go-sql-driver/mysql"
	"go.uber.org/zap"
)

// driverConfig is the shared session setup plus what only writes need.
func driverConfig(ctx context.Context, cfg *Config, logger *zap.Logger) (*mysql.Config, error) {
	mc, err := cfg.Driver(ctx, logger)
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
