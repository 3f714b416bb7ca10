package higresslogreceiver

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
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"

	"github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver/internal/metadata"
)

// TestLoadConfig compares the whole Config per id, as otlpreceiver does, so
// that a new field cannot pass unchecked.
func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	// with is the default config changed by edit.
	with := func(edit func(*Config)) *Config {
		cfg := createDefaultConfig().(*Config)
		edit(cfg)
		return cfg
	}
	walStorage := component.MustNewIDWithName("file_storage", "wal")

	tests := []struct {
		id       component.ID
		expected *Config
		loadErr  []string // refused while loading
		validErr []string // refused by Validate
	}{
		{id: component.NewID(metadata.Type), expected: createDefaultConfig().(*Config)},
		{
			id: component.NewIDWithName(metadata.Type, "custom"),
			expected: with(func(cfg *Config) {
				cfg.NetAddr.Endpoint = "127.0.0.1:9090"
				cfg.IngestPath = "/logs"
				cfg.HealthPath = "/healthz"
				cfg.ServiceName = "gw-prod"
				cfg.MaxRequestBodySize = 1 << 20
				cfg.Auth = configoptional.Some(confighttp.AuthConfig{
					Config: configauth.Config{AuthenticatorID: component.MustNewID("bearertokenauth")},
				})
				cfg.MaxExtraFields = 16
			}),
		},
		{
			id:       component.NewIDWithName(metadata.Type, "metadata"),
			expected: with(func(cfg *Config) { cfg.IncludeMetadata = true }),
		},
		{
			id: component.NewIDWithName(metadata.Type, "wal"),
			expected: with(func(cfg *Config) {
				cfg.WAL = WALConfig{
					Storage:      &walStorage,
					QueueSize:    512 << 20,
					MemorySize:   4 << 20,
					NumConsumers: 2,
					Batch:        WALBatchConfig{FlushTimeout: 50 * time.Millisecond, MinSize: 64 << 10, MaxSize: 1 << 20},
					DrainTimeout: 30 * time.Second,
					CommitLinger: time.Millisecond,
				}
			}),
		},
		{
			id: component.NewIDWithName(metadata.Type, "bad_paths"),
			validErr: []string{
				`ingest_path "ingest" must start with '/'`,
				`health_path "/" must differ`,
				"service_name must not be empty",
				"max_extra_fields must not be negative",
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "bad_wal"),
			validErr: []string{
				"wal::queue_size must be positive",
				"wal::memory_size must be between 0 and wal::queue_size",
				"wal::batch::max_size must be positive",
				"wal::batch::min_size must be between 0 and wal::batch::max_size",
				"wal::batch::flush_timeout must not be negative",
				"wal::num_consumers must be at least 1",
				"wal::drain_timeout must not be negative",
				"wal::commit_linger must be between 0 and 100ms",
				"include_metadata cannot be used with wal::storage",
			},
		},
		{
			id: component.NewIDWithName(metadata.Type, "retired_keys"),
			loadErr: []string{
				"group_commit is no longer a setting: delete it",
				"wal::max_size is no longer a setting: it was renamed wal::queue_size",
				"wal::min_batch_size is no longer a setting: it was renamed wal::batch::min_size",
				"wal::max_batch_size is no longer a setting: it was renamed wal::batch::max_size",
				"wal::flush_timeout is no longer a setting: it was renamed wal::batch::flush_timeout",
				"wal::consumers is no longer a setting: it was renamed wal::num_consumers",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			err = sub.Unmarshal(cfg)
			if len(tt.loadErr) > 0 {
				for _, want := range tt.loadErr {
					assert.ErrorContains(t, err, want)
				}
				return
			}
			require.NoError(t, err)

			before := *cfg.(*Config)
			err = confmap.Validate(cfg)
			assert.Equal(t, before, *cfg.(*Config), "Validate must not change the config")
			for _, want := range tt.validErr {
				assert.ErrorContains(t, err, want)
			}
			if len(tt.validErr) == 0 {
				require.NoError(t, err)
				assert.Equal(t, tt.expected, cfg)
			}
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
