package mysqlconn

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configtls"
	"go.uber.org/zap"
)

// TestConfig: the POC's DSN (loc=Local, parseTime) is accepted and the
// session settings statements rely on are forced; TLS comes from the
// collector's settings with the DSN host as server name.
func TestConfig(t *testing.T) {
	dsn := "user:pw@tcp(mysql-host:3306)/higress_poc?charset=utf8mb4&parseTime=True&loc=Local"
	insecure := configtls.ClientConfig{Insecure: true}
	mc, err := Config(context.Background(), dsn, insecure, 3*time.Second, zap.NewNop())
	require.NoError(t, err)
	assert.Empty(t, mc.DBName, "connects without a default database")
	assert.Equal(t, "'+00:00'", mc.Params["time_zone"])
	assert.Equal(t, time.UTC, mc.Loc)
	assert.True(t, mc.ParseTime)
	assert.Equal(t, 3*time.Second, mc.Timeout)
	assert.Nil(t, mc.TLS, "insecure by default")

	mc, err = Config(context.Background(), dsn, configtls.ClientConfig{}, 0, zap.NewNop())
	require.NoError(t, err)
	require.NotNil(t, mc.TLS)
	assert.Equal(t, "mysql-host", mc.TLS.ServerName)

	_, err = Config(context.Background(), dsn, configtls.ClientConfig{Config: configtls.Config{CAFile: "/does/not/exist.pem"}}, 0, zap.NewNop())
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "pw@")

	_, err = Config(context.Background(), "user:pw@tcp(host:3306/db", insecure, 0, zap.NewNop())
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "pw@")
}

func TestHostOnly(t *testing.T) {
	for addr, want := range map[string]string{
		"db:3306":         "db",
		"db":              "db",
		"[::1]:3306":      "::1",
		"[fe80::1]":       "[fe80::1]",
		"10.0.0.1:3306":   "10.0.0.1",
		"/run/mysql.sock": "/run/mysql.sock",
	} {
		assert.Equal(t, want, hostOnly(addr), addr)
	}
}
