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

// TestDriver: the POC's DSN (loc=Local, parseTime) is accepted and the
// session settings statements rely on are forced; TLS comes from the tls
// settings with the DSN host as server name.
func TestDriver(t *testing.T) {
	c := NewDefaultClientConfig()
	c.DSN = "user:pw@tcp(mysql-host:3306)/higress_poc?charset=utf8mb4&parseTime=True&loc=Local"
	c.ConnectTimeout = 3 * time.Second
	mc, err := c.Driver(context.Background(), zap.NewNop())
	require.NoError(t, err)
	assert.Empty(t, mc.DBName, "connects without a default database")
	assert.Equal(t, "'+00:00'", mc.Params["time_zone"])
	assert.Equal(t, time.UTC, mc.Loc)
	assert.True(t, mc.ParseTime)
	assert.Equal(t, 3*time.Second, mc.Timeout)
	assert.Nil(t, mc.TLS, "insecure by default")

	c.TLS = configtls.ClientConfig{}
	mc, err = c.Driver(context.Background(), zap.NewNop())
	require.NoError(t, err)
	require.NotNil(t, mc.TLS)
	assert.Equal(t, "mysql-host", mc.TLS.ServerName)

	c.TLS = configtls.ClientConfig{Config: configtls.Config{CAFile: "/does/not/exist.pem"}}
	_, err = c.Driver(context.Background(), zap.NewNop())
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "pw@")

	c.DSN = "user:pw@tcp(host:3306/db"
	_, err = c.Driver(context.Background(), zap.NewNop())
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "pw@")
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edit    func(c *ClientConfig)
		wantErr []string
	}{
		{"ok", func(c *ClientConfig) {}, nil},
		{"empty", func(c *ClientConfig) { c.DSN = " " }, []string{"dsn must not be empty"}},
		{"bad", func(c *ClientConfig) { c.DSN = "u:s3cret@tcp(h:1" }, []string{"dsn: invalid DSN"}},
		{"no database", func(c *ClientConfig) { c.DSN = "u@tcp(h:1)/" }, []string{"dsn must name the database"}},
		{"tls in dsn", func(c *ClientConfig) { c.DSN = "u@tcp(h:1)/d?tls=skip-verify" }, []string{"tls=skip-verify is not supported"}},
		{"negative", func(c *ClientConfig) { c.ConnectTimeout, c.MaxOpenConns = -1, -1 }, []string{
			"connect_timeout, conn_max_lifetime and conn_max_idle_time must not be negative",
			"max_open_conns must not be negative",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := NewDefaultClientConfig()
			c.DSN = "u:s3cret@tcp(h:1)/higress"
			tc.edit(&c)
			err := c.Validate()
			if tc.wantErr == nil {
				require.NoError(t, err)
				assert.Equal(t, "higress", c.Database())
				return
			}
			for _, w := range tc.wantErr {
				assert.ErrorContains(t, err, w)
			}
			assert.NotContains(t, err.Error(), "s3cret")
		})
	}
}

func TestPoolSize(t *testing.T) {
	c := NewDefaultClientConfig()
	assert.Equal(t, 4, c.PoolSize(4), "the component's own default")
	c.MaxOpenConns = 9
	assert.Equal(t, 9, c.PoolSize(4))
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

func TestQualified(t *testing.T) {
	assert.Equal(t, "`db`.`a``b`", Qualified("db", "a`b"))
}
