package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver/internal/metadata"
)

const (
	defaultEndpoint    = "0.0.0.0:8080"
	defaultIngestPath  = "/ingest"
	defaultHealthPath  = "/health"
	defaultServiceName = "higress-gateway"
	// defaultMaxBodySize leaves room for entries carrying whole LLM
	// conversations (req_body/resp_body) while bounding memory per request.
	defaultMaxBodySize = 32 << 20
	// defaultMaxExtraFields keeps every field a db-log-pusher version
	// might add, and bounds what a hostile or broken sender can make the
	// pipeline carry per entry.
	defaultMaxExtraFields = 128

	// The write-ahead log's defaults. memory_size keeps a few thousand
	// decoded entries (several times their body size in heap) so that the
	// usual path never reads back, without memory growing with a backlog.
	defaultWALQueueSize    = 1 << 30
	defaultWALMemorySize   = 8 << 20
	defaultWALBatchMinSize = 1 << 20
	defaultWALBatchMaxSize = 4 << 20
	defaultWALFlushTimeout = 500 * time.Millisecond
	defaultWALNumConsumers = 4
	defaultWALDrainTimeout = 10 * time.Second
	// defaultWALCommitLinger: concurrent single-entry POSTs share fewer,
	// bigger writes for a wait that is small beside their round trip
	// (BENCHMARKS.md, "commit_linger").
	defaultWALCommitLinger = 300 * time.Microsecond
)

// NewFactory creates the higresslog receiver factory.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(metadata.Type, createDefaultConfig, receiver.WithLogs(createLogs, metadata.LogsStability))
}

func createDefaultConfig() component.Config {
	srv := confighttp.NewDefaultServerConfig()
	srv.NetAddr.Endpoint = defaultEndpoint
	srv.MaxRequestBodySize = defaultMaxBodySize
	return &Config{
		ServerConfig:   srv,
		IngestPath:     defaultIngestPath,
		HealthPath:     defaultHealthPath,
		ServiceName:    defaultServiceName,
		MaxExtraFields: defaultMaxExtraFields,
		WAL: WALConfig{
			QueueSize:    defaultWALQueueSize,
			MemorySize:   defaultWALMemorySize,
			NumConsumers: defaultWALNumConsumers,
			Batch: WALBatchConfig{
				FlushTimeout: defaultWALFlushTimeout,
				MinSize:      defaultWALBatchMinSize,
				MaxSize:      defaultWALBatchMaxSize,
			},
			DrainTimeout: defaultWALDrainTimeout,
			CommitLinger: defaultWALCommitLinger,
		},
	}
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	return newReceiver(set, cfg.(*Config), next)
}
