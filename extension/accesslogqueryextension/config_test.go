package accesslogqueryextension

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	tests := []struct {
		id      component.ID
		check   func(t *testing.T, cfg *Config)
		wantErr []string
	}{
		{
			id: component.NewID(metadata.Type),
			check: func(t *testing.T, cfg *Config) {
				assert.Equal(t, "localhost:8090", cfg.NetAddr.Endpoint)
				assert.Equal(t, "higress", cfg.database())
				assert.Equal(t, "access_logs", cfg.Table)
				assert.False(t, cfg.Auth.HasValue())
				assert.True(t, cfg.MySQLTLS.Insecure)
				assert.Equal(t, time.Hour, cfg.DefaultWindow)
				assert.Equal(t, 7*24*time.Hour, cfg.MaxWindow, "the explorer's 7-day preset")
				assert.Equal(t, 10, cfg.DefaultPageSize)
				assert.Equal(t, 100, cfg.MaxPageSize)
				assert.Equal(t, 10000, cfg.MaxOffset)
				assert.Equal(t, 100, cfg.MaxGroups)
				assert.True(t, cfg.Explorer)
				assert.Equal(t, 16, cfg.Tail.MaxConcurrent)
				assert.Equal(t, 500*time.Millisecond, cfg.Tail.PollInterval)
				assert.Equal(t, 15*time.Second, cfg.Tail.Heartbeat)
				assert.Equal(t, 2*time.Second, cfg.Tail.Settle)
				assert.Equal(t, 500, cfg.Tail.BatchSize)
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "custom"),
			check: func(t *testing.T, cfg *Config) {
				assert.Equal(t, "127.0.0.1:9091", cfg.NetAddr.Endpoint)
				assert.Equal(t, "himarket", cfg.database())
				assert.Equal(t, "gateway_logs", cfg.Table)
				require.True(t, cfg.Auth.HasValue())
				assert.Equal(t, "bearertokenauth", cfg.Auth.Get().AuthenticatorID.String())
				require.True(t, cfg.TLS.HasValue())
				assert.Equal(t, "/etc/tls/tls.crt", cfg.TLS.Get().CertFile)
				assert.Equal(t, "/etc/mysql/ca.pem", cfg.MySQLTLS.CAFile)
				assert.Equal(t, 2*time.Second, cfg.ConnectTimeout)
				assert.Equal(t, 10*time.Second, cfg.QueryTimeout)
				assert.Equal(t, 4, cfg.MaxOpenConns)
				assert.Equal(t, 30*time.Second, cfg.SchemaRefresh)
				assert.Equal(t, 15*time.Minute, cfg.DefaultWindow)
				assert.Equal(t, 6*time.Hour, cfg.MaxWindow)
				assert.Equal(t, 20, cfg.DefaultPageSize)
				assert.Equal(t, 50, cfg.MaxPageSize)
				assert.Equal(t, 1000, cfg.MaxOffset)
				assert.Equal(t, 20, cfg.MaxGroups)
				assert.False(t, cfg.Explorer)
				assert.Equal(t, 4, cfg.Tail.MaxConcurrent)
				assert.Equal(t, time.Second, cfg.Tail.PollInterval)
				assert.Equal(t, 30*time.Second, cfg.Tail.Heartbeat)
				assert.Equal(t, 5*time.Second, cfg.Tail.Settle)
				assert.Equal(t, 100, cfg.Tail.BatchSize)
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "bad"),
			wantErr: []string{
				"dsn: invalid DSN",
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
			wantErr: []string{"a database is required"},
		},
		{
			id:      component.NewIDWithName(metadata.Type, "empty_dsn"),
			wantErr: []string{"dsn must not be empty"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))

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
			tt.check(t, cfg.(*Config))
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
	cfg.DSN = "reader@tcp(127.0.0.1:1)/higress"
	cfg.ConnectTimeout = time.Second
	e := startQuery(t, cfg, nil)
	resp := get(t, e.url(pathQuery))
	assert.Equal(t, 503, resp.code, resp.raw)
	assert.Equal(t, "the database is unavailable", resp.body["error"])
	assert.NotContains(t, resp.raw, "127.0.0.1:1", "no connection details in answers")
}
