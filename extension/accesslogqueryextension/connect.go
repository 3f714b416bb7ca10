package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"context"
	"database/sql"

	"go.uber.org/zap"

	"github.com/otelcol-higress/otelcol-higress/internal/mysqlconn"
)

// idleConns are kept between requests; more are opened as they come.
const idleConns = 2

// openDB opens the read pool with the shared session setup plus what only
// reads need; database/sql dials lazily, so this cannot fail because the
// database is down.
func openDB(ctx context.Context, cfg *Config, logger *zap.Logger) (*sql.DB, error) {
	mc, err := cfg.MySQL.Driver(ctx, logger)
	if err != nil {
		return nil, err
	}
	// Values travel as server-side prepared statement parameters, never
	// inside the statement text, not even escaped by the driver.
	mc.InterpolateParams = false
	return cfg.MySQL.Open(mc, cfg.MySQL.PoolSize(defaultConns), idleConns)
}

// qualified is `database`.`table`.
var qualified = mysqlconn.Qualified
