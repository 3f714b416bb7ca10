package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter/internal/metadata"
	"github.com/otelcol-higress/otelcol-higress/internal/mysqlconn"
)

const (
	defaultTable        = "access_logs"
	defaultMaxRows      = 1000
	defaultTimeout      = 30 * time.Second
	defaultBatchMin     = 1000
	defaultBatchMax     = 5000
	defaultBatchTimeout = time.Second
	defaultConsumers    = 4
	// defaultQueueBytes bounds the in-memory queue by what its records
	// weigh, not by their count: a record's memory depends on what the
	// gateway logged (bodies, conversations). Full, with typical records
	// and the garbage collector's headroom, it stays under a 512 MiB
	// memory_limiter (BENCHMARKS.md, "The exporter's default queue size").
	// A persistent queue on disk may be larger: set its queue_size (README).
	defaultQueueBytes = 64 << 20

	// A pass an hour keeps retention within an hour of its target at
	// negligible cost (one MIN(start_time) when nothing is due).
	defaultRetentionInterval = time.Hour
	// 1000 rows per DELETE hold their row locks for tens of milliseconds
	// with the default index set; the pause gives writers the table back
	// in between (BENCHMARKS.md, retention while ingesting).
	defaultRetentionChunkRows  = 1000
	defaultRetentionChunkPause = 100 * time.Millisecond
	// Three days of partitions ahead survive a maintenance outage of a
	// weekend before rows fall into the catch-all partition.
	defaultPartitionsAhead = 3
)

// NewFactory creates the mysqlaccesslog exporter factory.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(metadata.Type, createDefaultConfig, exporter.WithLogs(createLogs, metadata.LogsStability))
}

func createDefaultConfig() component.Config {
	// The queue is sized in bytes (defaultQueueBytes says why); never in
	// requests: db-log-pusher sends one record per request, so a
	// request-sized queue would hold very little while the database is
	// away. Batches of ~1000 rows flush about once a second and keep each
	// statement's locks short.
	queue := exporterhelper.NewDefaultQueueConfig()
	queue.Sizer = exporterhelper.RequestSizerTypeBytes
	queue.QueueSize = defaultQueueBytes
	queue.NumConsumers = defaultConsumers
	queue.Batch = configoptional.Some(exporterhelper.BatchConfig{
		FlushTimeout: defaultBatchTimeout,
		Sizer:        exporterhelper.RequestSizerTypeItems,
		MinSize:      defaultBatchMin,
		MaxSize:      defaultBatchMax,
	})

	// Retry until the database is back: the queue bounds memory, and a
	// record given up after a fixed time would be lost data.
	retry := configretry.NewDefaultBackOffConfig()
	retry.MaxElapsedTime = 0

	return &Config{
		Table:               defaultTable,
		CreateSchema:        true,
		MaxRowsPerStatement: defaultMaxRows,
		ClientConfig:        mysqlconn.NewDefaultClientConfig(),
		TimeoutConfig:       exporterhelper.TimeoutConfig{Timeout: defaultTimeout},
		BackOffConfig:       retry,
		QueueConfig:         configoptional.Some(queue),
		RetentionInterval:   defaultRetentionInterval,
		RetentionChunkRows:  defaultRetentionChunkRows,
		RetentionChunkPause: defaultRetentionChunkPause,
		Partitioning:        partitioningNone,
		PartitionsAhead:     defaultPartitionsAhead,
	}
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	c := cfg.(*Config)
	exp, err := newExporter(set, c)
	if err != nil {
		return nil, err
	}
	return exporterhelper.NewLogs(ctx, set, cfg, exp.pushLogs,
		exporterhelper.WithStart(exp.start),
		exporterhelper.WithShutdown(exp.shutdown),
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		exporterhelper.WithTimeout(c.TimeoutConfig),
		exporterhelper.WithRetry(c.BackOffConfig),
		exporterhelper.WithQueue(c.QueueConfig),
	)
}
