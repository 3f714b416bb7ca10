package accesslogqueryextension

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configauth"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension/internal/metadata"
	"github.com/otelcol-higress/otelcol-higress/internal/mysqlconn"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	tests := []struct {
		id           component.ID
		expected     func() *Config
		wantErr      []string
		unmarshalErr []string
	}{
		{
			id: component.NewID(metadata.Type),
			expected: func() *Config {
				cfg := createDefaultConfig().(*Config)
				cfg.MySQL.DSN = "reader:pw@tcp(mysql:3306)/higress"
				return cfg
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "custom"),
			expected: func() *Config {
				server := confighttp.NewDefaultServerConfig()
				server.NetAddr.Endpoint = "127.0.0.1:9091"
				server.Auth = configoptional.Some(confighttp.AuthConfig{
					Config: configauth.Config{AuthenticatorID: component.MustNewID("bearertokenauth")},
				})
				server.TLS = configoptional.Some(configtls.ServerConfig{
					Config: configtls.Config{CertFile: "/etc/tls/tls.crt", KeyFile: "/etc/tls/tls.key"},
				})
				mysql := mysqlconn.NewDefaultClientConfig()
				mysql.DSN = "reader:pw@tcp(mysql:3306)/himarket"
				mysql.TLS = configtls.ClientConfig{Insecure: true, Config: configtls.Config{CAFile: "/etc/mysql/ca.pem"}}
				mysql.ConnectTimeout = 2 * time.Second
				mysql.ConnMaxLifetime = 10 * time.Minute
				mysql.ConnMaxIdleTime = time.Minute
				mysql.MaxOpenConns = 4
				return &Config{
					ServerConfig:    server,
					MySQL:           mysql,
					Table:           "gateway_logs",
					QueryTimeout:    10 * time.Second,
					SchemaRefresh:   30 * time.Second,
					DefaultWindow:   15 * time.Minute,
					MaxWindow:       6 * time.Hour,
					DefaultPageSize: 20,
					MaxPageSize:     50,
					MaxOffset:       1000,
					MaxGroups:       20,
					Explorer:        false,
					Tail: TailConfig{
						MaxConcurrent: 4,
						PollInterval:  time.Second,
						Heartbeat:     30 * time.Second,
						Settle:        5 * time.Second,
						BatchSize:     100,
					},
				}
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "bad"),
			wantErr: []string{
				"dsn: invalid DSN",
				"connect_timeout, conn_max_lifetime and conn_max_idle_time must not be negative",
				"max_open_conns must not be negative",
				"table must not be empty",
				"query_timeout and schema_refresh must be positive",
				"max_window at least default_window",
				"default_page_size at most max_page_size",
				"max_offset must not be negative",
				"max_groups must be positive",
				"tail::max_concurrent must not be negative",
				"tail::poll_interval and tail::heartbeat must be positive",
				"tail::batch_size must be positive",
			},
		},
		{
			id:      component.NewIDWithName(metadata.Type, "no_database"),
			wantErr: []string{"dsn must name the database"},
		},
		{
			id:      component.NewIDWithName(metadata.Type, "empty_dsn"),
			wantErr: []string{"dsn must not be empty"},
		},
		{
			id:      component.NewIDWithName(metadata.Type, "dsn_tls"),
			wantErr: []string{"tls=true is not supported: turn TLS on with the tls settings"},
		},
		{
			id: component.NewIDWithName(metadata.Type, "removed_keys"),
			unmarshalErr: []string{
				"dsn is no longer a setting: it is mysql::dsn",
				"database is no longer a setting: name the database in mysql::dsn",
				"mysql_tls is no longer a setting: it is mysql::tls",
				"connect_timeout is no longer a setting: it is mysql::connect_timeout",
				"max_open_conns is no longer a setting: it is mysql::max_open_conns",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			err = sub.Unmarshal(cfg)
			if len(tt.unmarshalErr) > 0 {
				for _, want := range tt.unmarshalErr {
					assert.ErrorContains(t, err, want)
				}
				return
			}
			require.NoError(t, err)

			before := *cfg.(*Config)
			err = confmap.Validate(cfg)
			assert.Equal(t, before, *cfg.(*Config), "Validate must not change the config")
			if len(tt.wantErr) > 0 {
				require.Error(t, err)
				for _, want := range tt.wantErr {
					assert.ErrorContains(t, err, want)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.expected(), cfg)
		})
	}
}

func TestCreateDefaultConfigIsFresh(t *testing.T) {
	a := createDefaultConfig().(*Config)
	b := createDefaultConfig().(*Config)
	a.Table = "changed"
	a.Tail.BatchSize = 1
	assert.Equal(t, "access_logs", b.Table)
	assert.Equal(t, 500, b.Tail.BatchSize)
}

// TestStartNeedsNoDatabase: Start succeeds with the database down, and a
// request then gets 503, not a hang or a crash.
func TestStartNeedsNoDatabase(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = "127.0.0.1:0"
	cfg.MySQL.DSN = "reader@tcp(127.0.0.1:1)/higress"
	cfg.MySQL.ConnectTimeout = time.Second
	e := startQuery(t, cfg, nil)
	resp := get(t, e.url(pathQuery))
	assert.Equal(t, 503, resp.code, resp.raw)
	assert.Equal(t, "the database is unavailable", resp.body["error"])
	assert.NotContains(t, resp.raw, "127.0.0.1:1", "no connection details in answers")
}
