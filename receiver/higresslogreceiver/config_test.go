package higresslogreceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver/internal/metadata"
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
				assert.Equal(t, "0.0.0.0:8080", cfg.NetAddr.Endpoint)
				assert.Equal(t, "/ingest", cfg.IngestPath)
				assert.Equal(t, "/health", cfg.HealthPath)
				assert.Equal(t, "higress-gateway", cfg.ServiceName)
				assert.Equal(t, int64(defaultMaxBodySize), cfg.MaxRequestBodySize)
				assert.False(t, cfg.Auth.HasValue())
				assert.Equal(t, defaultMaxExtraFields, cfg.MaxExtraFields)
				assert.Nil(t, cfg.WAL.Storage, "no write-ahead log unless configured")
				assert.Equal(t, int64(defaultWALMaxSize), cfg.WAL.MaxSize)
				assert.Equal(t, int64(defaultWALMemorySize), cfg.WAL.MemorySize)
				assert.Equal(t, defaultWALConsumers, cfg.WAL.Consumers)
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "custom"),
			check: func(t *testing.T, cfg *Config) {
				assert.Equal(t, "127.0.0.1:9090", cfg.NetAddr.Endpoint)
				assert.Equal(t, "/logs", cfg.IngestPath)
				assert.Equal(t, "/healthz", cfg.HealthPath)
				assert.Equal(t, "gw-prod", cfg.ServiceName)
				assert.Equal(t, int64(1<<20), cfg.MaxRequestBodySize)
				require.True(t, cfg.Auth.HasValue())
				assert.Equal(t, "bearertokenauth", cfg.Auth.Get().AuthenticatorID.String())
				assert.Equal(t, 16, cfg.MaxExtraFields)
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "bad_paths"),
			wantErr: []string{
				`ingest_path "ingest" must start with '/'`,
				`health_path "/" must differ`,
				"service_name must not be empty",
				"max_extra_fields must not be negative",
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "wal"),
			check: func(t *testing.T, cfg *Config) {
				require.NotNil(t, cfg.WAL.Storage)
				assert.Equal(t, "file_storage/wal", cfg.WAL.Storage.String())
				assert.Equal(t, int64(512<<20), cfg.WAL.MaxSize)
				assert.Equal(t, int64(4<<20), cfg.WAL.MemorySize)
				assert.Equal(t, int64(64<<10), cfg.WAL.MinBatchSize)
				assert.Equal(t, int64(1<<20), cfg.WAL.MaxBatchSize)
				assert.Equal(t, 50*time.Millisecond, cfg.WAL.FlushTimeout)
				assert.Equal(t, 2, cfg.WAL.Consumers)
				assert.Equal(t, 30*time.Second, cfg.WAL.DrainTimeout)
				assert.Equal(t, time.Millisecond, cfg.WAL.CommitLinger)
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "bad_wal"),
			wantErr: []string{
				"wal::max_size must be positive",
				"wal::memory_size must be between 0 and wal::max_size",
				"wal::max_batch_size must be positive",
				"wal::min_batch_size must be between 0 and wal::max_batch_size",
				"wal::flush_timeout must not be negative",
				"wal::consumers must be at least 1",
				"wal::drain_timeout must not be negative",
				"wal::commit_linger must be between 0 and 100ms",
				"include_metadata cannot be used with wal::storage",
			},
		},
		{
			id:    component.NewIDWithName(metadata.Type, "metadata"),
			check: func(t *testing.T, cfg *Config) { assert.True(t, cfg.IncludeMetadata) },
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
	f := NewFactory()
	a := f.CreateDefaultConfig().(*Config)
	b := f.CreateDefaultConfig().(*Config)
	a.IngestPath = "/changed"
	assert.Equal(t, "/ingest", b.IngestPath)
}
