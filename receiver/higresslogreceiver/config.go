package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
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
// call that carried it returned.
type WALConfig struct {
	// Storage is the storage extension holding the log (file_storage with
	// fsync: true). Unset: no log; each request waits for its pipeline call.
	Storage *component.ID `mapstructure:"storage"`
	// MaxSize is the most body bytes the log holds; beyond it POSTs are
	// answered 503 with Retry-After.
	MaxSize int64 `mapstructure:"max_size"`
	// MemorySize is how many body bytes keep their decoded records in
	// memory; bodies beyond it are read back and decoded again when their
	// turn comes, so memory does not grow with the backlog.
	MemorySize int64 `mapstructure:"memory_size"`
	// MinBatchSize is how many body bytes a pipeline call waits for, up
	// to FlushTimeout: larger calls cost the exporter less per row.
	MinBatchSize int64 `mapstructure:"min_batch_size"`
	// MaxBatchSize is the most body bytes handed to the pipeline in one call.
	MaxBatchSize int64 `mapstructure:"max_batch_size"`
	// FlushTimeout is the longest a body waits for MinBatchSize.
	FlushTimeout time.Duration `mapstructure:"flush_timeout"`
	// Consumers is how many pipeline calls run at once.
	Consumers int `mapstructure:"consumers"`
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
	if w.MaxSize <= 0 {
		errs = append(errs, errors.New("wal::max_size must be positive"))
	}
	if w.MemorySize < 0 || w.MemorySize > w.MaxSize {
		errs = append(errs, errors.New("wal::memory_size must be between 0 and wal::max_size"))
	}
	if w.MaxBatchSize <= 0 {
		errs = append(errs, errors.New("wal::max_batch_size must be positive"))
	}
	if w.MinBatchSize < 0 || w.MinBatchSize > w.MaxBatchSize {
		errs = append(errs, errors.New("wal::min_batch_size must be between 0 and wal::max_batch_size"))
	}
	if w.FlushTimeout < 0 {
		errs = append(errs, errors.New("wal::flush_timeout must not be negative"))
	}
	if w.Consumers < 1 {
		errs = append(errs, errors.New("wal::consumers must be at least 1"))
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
