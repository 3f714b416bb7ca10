package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/confmap"

	"github.com/otelcol-higress/otelcol-higress/internal/configkeys"
)

// Config is the higresslog receiver configuration. The HTTP server settings
// are confighttp's own (endpoint, tls, auth, max_request_body_size,
// compression_algorithms, timeouts …), squashed so that users write them
// exactly as for the otlp receiver.
type Config struct {
	confighttp.ServerConfig `mapstructure:",squash"`

	// IngestPath is where db-log-pusher POSTs entries. "/" is accepted as
	// well, because the plugin's default collector_path is "/".
	IngestPath string `mapstructure:"ingest_path"`
	// HealthPath answers 200 while the receiver runs. It is served without
	// auth so that existing liveness probes keep working.
	HealthPath string `mapstructure:"health_path"`
	// ServiceName is the service.name resource attribute of every record.
	ServiceName string `mapstructure:"service_name"`
	// MaxExtraFields bounds the unknown top-level fields kept per entry
	// (as higress.extra.*); the rest are dropped and counted.
	MaxExtraFields int `mapstructure:"max_extra_fields"`
	// WAL keeps every accepted body in a storage extension before the
	// POST is answered, and feeds the pipeline from there.
	WAL WALConfig `mapstructure:"wal"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// WALConfig is the write-ahead log. With it, a 2xx means the body is on
// disk (fsynced when the storage extension fsyncs), and the pipeline is fed
// from the log in large batches; a body leaves the log once the pipeline
// call that carried it returned. Keys that mean what they mean in the
// exporters' sending_queue carry its names, sized in body bytes.
type WALConfig struct {
	// Storage is the storage extension holding the log (file_storage with
	// fsync: true). Unset: no log; each request waits for its pipeline call.
	Storage *component.ID `mapstructure:"storage"`
	// QueueSize is the most body bytes the log holds; beyond it POSTs are
	// answered 503 with Retry-After.
	QueueSize int64 `mapstructure:"queue_size"`
	// MemorySize is how many body bytes keep their decoded records in
	// memory; bodies beyond it are read back and decoded again when their
	// turn comes, so memory does not grow with the backlog.
	MemorySize int64 `mapstructure:"memory_size"`
	// NumConsumers is how many pipeline calls run at once.
	NumConsumers int `mapstructure:"num_consumers"`
	// Batch says how bodies are gathered into one pipeline call.
	Batch WALBatchConfig `mapstructure:"batch"`
	// DrainTimeout is how long Shutdown keeps feeding the pipeline to
	// empty the log; what is left is written after the next start.
	DrainTimeout time.Duration `mapstructure:"drain_timeout"`
	// CommitLinger is how long a write to the log waits for more POSTs to
	// join it: every write costs the same fsyncs whatever it holds, so
	// concurrent single-entry POSTs share fewer, bigger ones.
	CommitLinger time.Duration `mapstructure:"commit_linger"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// WALBatchConfig is sending_queue::batch in body bytes: larger pipeline
// calls cost the exporter less per row.
type WALBatchConfig struct {
	// FlushTimeout is the longest a body waits for MinSize.
	FlushTimeout time.Duration `mapstructure:"flush_timeout"`
	// MinSize is how many body bytes a pipeline call waits for.
	MinSize int64 `mapstructure:"min_size"`
	// MaxSize is the most body bytes in one pipeline call.
	MaxSize int64 `mapstructure:"max_size"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// removedKeys are keys earlier releases accepted: the log's keys that
// took the sending queue's names, and group commit.
var removedKeys = append(configkeys.Renamed(
	"wal::max_size", "wal::queue_size", "wal::min_batch_size", "wal::batch::min_size",
	"wal::max_batch_size", "wal::batch::max_size", "wal::flush_timeout", "wal::batch::flush_timeout",
	"wal::consumers", "wal::num_consumers"),
	configkeys.Removed{Key: "group_commit", Instead: "delete it (each request is one pipeline call; batch in the exporter's sending_queue::batch, or use wal)"})

// Unmarshal refuses removed keys with directions, then decodes as usual.
func (cfg *Config) Unmarshal(conf *confmap.Conf) error {
	return configkeys.Unmarshal(conf, cfg, removedKeys)
}

// maxCommitLinger: every POST waits for its write, so the linger adds to
// each answer; beyond a few milliseconds it only holds senders back.
const maxCommitLinger = 100 * time.Millisecond

// Validate checks the configuration without changing it.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.NetAddr.Endpoint == "" {
		errs = append(errs, errors.New("endpoint must not be empty"))
	}
	if !strings.HasPrefix(cfg.IngestPath, "/") {
		errs = append(errs, fmt.Errorf("ingest_path %q must start with '/'", cfg.IngestPath))
	}
	if !strings.HasPrefix(cfg.HealthPath, "/") {
		errs = append(errs, fmt.Errorf("health_path %q must start with '/'", cfg.HealthPath))
	}
	if cfg.HealthPath == cfg.IngestPath || cfg.HealthPath == "/" {
		errs = append(errs, fmt.Errorf("health_path %q must differ from ingest_path and from '/'", cfg.HealthPath))
	}
	if strings.TrimSpace(cfg.ServiceName) == "" {
		errs = append(errs, errors.New("service_name must not be empty"))
	}
	if cfg.MaxExtraFields < 0 {
		errs = append(errs, errors.New("max_extra_fields must not be negative"))
	}
	errs = append(errs, cfg.WAL.validate(cfg.IncludeMetadata)...)
	if cfg.MaxRequestBodySize < 0 {
		errs = append(errs, errors.New("max_request_body_size must not be negative"))
	}
	return errors.Join(errs...)
}

func (w *WALConfig) validate(includeMetadata bool) []error {
	if w.Storage == nil {
		return nil
	}
	var errs []error
	if w.QueueSize <= 0 {
		errs = append(errs, errors.New("wal::queue_size must be positive"))
	}
	if w.MemorySize < 0 || w.MemorySize > w.QueueSize {
		errs = append(errs, errors.New("wal::memory_size must be between 0 and wal::queue_size"))
	}
	if w.Batch.MaxSize <= 0 {
		errs = append(errs, errors.New("wal::batch::max_size must be positive"))
	}
	if w.Batch.MinSize < 0 || w.Batch.MinSize > w.Batch.MaxSize {
		errs = append(errs, errors.New("wal::batch::min_size must be between 0 and wal::batch::max_size"))
	}
	if w.Batch.FlushTimeout < 0 {
		errs = append(errs, errors.New("wal::batch::flush_timeout must not be negative"))
	}
	if w.NumConsumers < 1 {
		errs = append(errs, errors.New("wal::num_consumers must be at least 1"))
	}
	if w.DrainTimeout < 0 {
		errs = append(errs, errors.New("wal::drain_timeout must not be negative"))
	}
	if w.CommitLinger < 0 || w.CommitLinger > maxCommitLinger {
		errs = append(errs, fmt.Errorf("wal::commit_linger must be between 0 and %v", maxCommitLinger))
	}
	if includeMetadata {
		// Records are handed to the pipeline from the log, without the
		// request that brought them.
		errs = append(errs, errors.New("include_metadata cannot be used with wal::storage: the pipeline is fed from the log, not from requests"))
	}
	return errs
}
