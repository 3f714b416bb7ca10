package mysqlaccesslogexporter

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/zap"
)

// TestDriverConfig: the POC's DSN (loc=Local, parseTime) is accepted and
// the session settings the writes rely on are forced.
func TestDriverConfig(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.DSN = "user:pw@tcp(mysql-host:3306)/higress_poc?charset=utf8mb4&parseTime=True&loc=Local"
	require.NoError(t, cfg.Validate())
	assert.Equal(t, "higress_poc", cfg.database())
	mc, err := driverConfig(context.Background(), cfg, zap.NewNop())
	require.NoError(t, err)
	assert.Empty(t, mc.DBName, "connects without a default database")
	assert.Equal(t, "'+00:00'", mc.Params["time_zone"])
	assert.Equal(t, time.UTC, mc.Loc)
	assert.True(t, mc.InterpolateParams)
	assert.False(t, mc.ClientFoundRows)
	assert.Nil(t, mc.TLS, "insecure by default")

	cfg.TLS.Insecure = false
	mc, err = driverConfig(context.Background(), cfg, zap.NewNop())
	require.NoError(t, err)
	require.NotNil(t, mc.TLS)
	assert.Equal(t, "mysql-host", mc.TLS.ServerName)

	cfg.TLS.CAFile = "/does/not/exist.pem"
	_, err = driverConfig(context.Background(), cfg, zap.NewNop())
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "pw@")
}
