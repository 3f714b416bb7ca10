package mysqlaccesslogexporter

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter/internal/metadata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	tests := []struct {
		id           string
		check        func(t *testing.T, cfg *Config)
		wantErr      []string
		unmarshalErr []string
	}{
		{id: "", check: func(t *testing.T, cfg *Config) {
			def := createDefaultConfig().(*Config)
			def.DSN = "root@tcp(127.0.0.1:3306)/higress"
			assert.Equal(t, def, cfg)
			assert.Equal(t, "higress", cfg.database())
			assert.True(t, cfg.CreateSchema)
			assert.Equal(t, "access_logs", cfg.Table)
			q := cfg.QueueConfig.Get()
			require.NotNil(t, q)
			assert.True(t, q.Batch.HasValue(), "batching is on by default")
			assert.Equal(t, exporterhelper.RequestSizerTypeBytes, q.Sizer, "the queue is bounded by memory")
			assert.Equal(t, int64(64<<20), q.QueueSize)
			assert.Equal(t, exporterhelper.RequestSizerTypeItems, q.Batch.Get().Sizer, "batches are counted in rows")
			assert.Zero(t, cfg.BackOffConfig.MaxElapsedTime, "retries until the database is back")
			assert.Equal(t, defaultConsumers, cfg.poolSize(), "one connection per queue consumer")
			assert.Zero(t, cfg.Retention, "retention is off by default")
			assert.Zero(t, cfg.DeadLetterRetention)
			assert.False(t, cfg.daily(), "partitioning is off by default")
		}},
		{id: "lifecycle", check: func(t *testing.T, cfg *Config) {
			assert.Equal(t, 720*time.Hour, cfg.Retention)
			assert.Equal(t, 2160*time.Hour, cfg.DeadLetterRetention)
			assert.Equal(t, 30*time.Minute, cfg.RetentionInterval)
			assert.Equal(t, 500, cfg.RetentionChunkRows)
			assert.Equal(t, 250*time.Millisecond, cfg.RetentionChunkPause)
			assert.True(t, cfg.daily())
			assert.Equal(t, 7, cfg.PartitionsAhead)
		}},
		{id: "bad_lifecycle", wantErr: []string{
			"retention and dead_letter_retention must not be negative",
			"retention_interval must be positive",
			"retention_chunk_rows must be positive",
			"retention_chunk_pause must not be negative",
			`partitioning "hourly": must be "none" or "daily"`,
			"partitions_ahead must be between 1 and 366 days",
		}},
		{id: "full", check: func(t *testing.T, cfg *Config) {
			assert.Equal(t, "himarket", cfg.database())
			assert.Equal(t, "gateway_logs", cfg.Table)
			assert.False(t, cfg.CreateSchema)
			assert.Equal(t, 500, cfg.MaxRowsPerStatement)
			assert.True(t, cfg.TLS.InsecureSkipVerify)
			assert.Equal(t, 3*time.Second, cfg.ConnectTimeout)
			assert.Equal(t, 10*time.Minute, cfg.ConnMaxLifetime)
			assert.Equal(t, time.Minute, cfg.ConnMaxIdleTime)
			assert.Equal(t, 15*time.Second, cfg.Timeout)
			assert.Equal(t, time.Second, cfg.BackOffConfig.InitialInterval)
			q := cfg.QueueConfig.Get()
			require.NotNil(t, q)
			assert.Equal(t, 2, q.NumConsumers)
			assert.Equal(t, 6, cfg.poolSize(), "max_open_conns overrides one per consumer")
			assert.Equal(t, int64(50000), q.QueueSize)
			require.NotNil(t, q.StorageID)
			assert.Equal(t, "file_storage", q.StorageID.String())
			assert.Equal(t, int64(2000), q.Batch.Get().MaxSize)
		}},
		{id: "persistent_bytes", check: func(t *testing.T, cfg *Config) {
			q := cfg.QueueConfig.Get()
			assert.Equal(t, exporterhelper.RequestSizerTypeBytes, q.Sizer)
			assert.Equal(t, int64(1<<30), q.QueueSize)
		}},
		{id: "no_queue", check: func(t *testing.T, cfg *Config) {
			assert.False(t, cfg.QueueConfig.HasValue())
			assert.Equal(t, defaultConsumers, cfg.poolSize())
		}},
		{id: "empty_dsn", wantErr: []string{"dsn must not be empty"}},
		{id: "no_database", wantErr: []string{"dsn must name the database"}},
		{id: "dsn_tls", wantErr: []string{"tls=skip-verify is not supported: turn TLS on with the tls settings"}},
		{id: "bad", wantErr: []string{"table must not be empty", "max_rows_per_statement must be positive", "must not be negative"}},
		{id: "bad_dsn", wantErr: []string{"dsn: invalid DSN"}},
		{id: "queue_records_as_bytes", wantErr: []string{"sending_queue::queue_size 2000 is in bytes (sizer: bytes), less than 1 MiB; to count records set sizer: items"}},
		{id: "removed_keys", unmarshalErr: []string{
			"database is no longer a setting: name the database in the dsn",
			"insert_method is no longer a setting",
			"max_idle_conns is no longer a setting",
			"schema_retry_interval is no longer a setting",
		}},
	}
	for _, tt := range tests {
		name := tt.id
		if name == "" {
			name = "default"
		}
		t.Run(name, func(t *testing.T) {
			id := component.NewID(metadata.Type)
			if tt.id != "" {
				id = component.NewIDWithName(metadata.Type, tt.id)
			}
			cfg := createDefaultConfig()
			sub, err := cm.Sub(id.String())
			require.NoError(t, err)
			err = sub.Unmarshal(cfg)
			if len(tt.unmarshalErr) > 0 {
				for _, w := range tt.unmarshalErr {
					assert.ErrorContains(t, err, w)
				}
				return
			}
			require.NoError(t, err)
			before := *cfg.(*Config)
			err = confmap.Validate(cfg)
			assert.Equal(t, before, *cfg.(*Config), "Validate must not change the config")
			if len(tt.wantErr) > 0 {
				require.Error(t, err)
				for _, w := range tt.wantErr {
					assert.ErrorContains(t, err, w)
				}
				return
			}
			require.NoError(t, err)
			tt.check(t, cfg.(*Config))
		})
	}
}

// TestPasswordNeverPrinted: the DSN is opaque in every rendering of the
// config, and driver errors about it do not carry it.
func TestPasswordNeverPrinted(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.DSN = "otel:s3cret@tcp(db:3306)/x"
	assert.NotContains(t, fmtAll(cfg), "s3cret")
	cfg.DSN = "otel:s3cret@tcp(db:3306"
	assert.NotContains(t, confmap.Validate(cfg).Error(), "s3cret")
}

func fmtAll(v any) string { return fmt.Sprintf("%v %+v %#v", v, v, v) }
