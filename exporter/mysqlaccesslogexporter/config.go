package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
	"github.com/otelcol-higress/otelcol-higress/internal/configkeys"
	"github.com/otelcol-higress/otelcol-higress/internal/mysqlconn"
)

// minQueueBytes: a byte-sized queue smaller than this holds a few hundred
// records at most. Such a queue_size is almost surely a record count.
const minQueueBytes = 1 << 20

// Config is the mysqlaccesslog exporter configuration.
type Config struct {
	// ClientConfig is how the database is reached: dsn (naming the
	// database HiMarket reads), tls, connect_timeout, conn_max_lifetime,
	// conn_max_idle_time, max_open_conns — the query extension's `mysql`
	// block has the same keys.
	mysqlconn.ClientConfig `mapstructure:",squash"`
	// Table is the access-log table; "<table>_rejected" is its dead-letter table.
	Table string `mapstructure:"table"`
	// CreateSchema creates the database, the tables, missing columns and
	// missing indexes. Without it the exporter writes to what exists.
	CreateSchema bool `mapstructure:"create_schema"`
	// MaxRowsPerStatement bounds one INSERT (the placeholder and
	// max_allowed_packet limits are applied on top).
	MaxRowsPerStatement int `mapstructure:"max_rows_per_statement"`

	// TimeoutConfig is the per-push timeout (key `timeout`).
	exporterhelper.TimeoutConfig `mapstructure:",squash"`
	// BackOffConfig is `retry_on_failure`.
	BackOffConfig configretry.BackOffConfig `mapstructure:"retry_on_failure"`
	// QueueConfig is `sending_queue`: batching inside the queue, `storage`
	// for a persistent queue.
	QueueConfig configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`

	// Retention deletes rows whose start_time is older than this (0: keep
	// everything). DeadLetterRetention does the same for <table>_rejected by
	// rejected_at.
	Retention           time.Duration `mapstructure:"retention"`
	DeadLetterRetention time.Duration `mapstructure:"dead_letter_retention"`
	// RetentionInterval is the time between two maintenance passes (the
	// first one comes within a minute of start).
	RetentionInterval time.Duration `mapstructure:"retention_interval"`
	// RetentionChunkRows bounds the rows one DELETE removes, and with it the
	// rows one statement locks; RetentionChunkPause is the wait between two
	// of them, so that writers and readers get the table in between.
	RetentionChunkRows  int           `mapstructure:"retention_chunk_rows"`
	RetentionChunkPause time.Duration `mapstructure:"retention_chunk_pause"`
	// Partitioning "daily" creates the table partitioned by day on
	// start_time; retention then drops whole days. An existing table is
	// never repartitioned.
	Partitioning string `mapstructure:"partitioning"`
	// PartitionsAhead is how many days of partitions exist beyond today.
	PartitionsAhead int `mapstructure:"partitions_ahead"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// removedKeys are keys this exporter no longer has, with what to do
// instead, so that an old configuration fails with directions rather
// than with "invalid keys".
var removedKeys = []configkeys.Removed{
	{Key: "database", Instead: "name the database in the dsn: user:pass@tcp(host:3306)/<database>"},
	{Key: "insert_method", Instead: "rows are always written with multi-row INSERT: delete the key"},
	{Key: "max_idle_conns", Instead: "the pool keeps its max_open_conns connections: delete the key"},
	{Key: "schema_retry_interval", Instead: "a push that finds no schema sets it up, paced by retry_on_failure: delete the key"},
}

// Unmarshal refuses removed keys with directions, then decodes as usual.
func (cfg *Config) Unmarshal(conf *confmap.Conf) error {
	return configkeys.Unmarshal(conf, cfg, removedKeys)
}

// Validate checks the configuration without changing it.
func (cfg *Config) Validate() error {
	var errs []error
	// The embedded ClientConfig (dsn, tls, …) validates itself: the
	// collector validates every field that has a Validate.
	// The dead-letter table adds rejectedSuffix to the name and must still fit.
	errs = append(errs, accesslog.CheckIdent("table", cfg.Table, accesslog.MaxIdentLen-len(rejectedSuffix)))
	if cfg.MaxRowsPerStatement <= 0 {
		errs = append(errs, errors.New("max_rows_per_statement must be positive"))
	}
	errs = append(errs, cfg.validateLifecycle()...)
	if q := cfg.QueueConfig.Get(); q != nil && q.Sizer == exporterhelper.RequestSizerTypeBytes && q.QueueSize < minQueueBytes {
		errs = append(errs, fmt.Errorf("sending_queue::queue_size %d is in bytes (sizer: bytes), less than 1 MiB; to count records set sizer: items", q.QueueSize))
	}
	return errors.Join(errs...)
}

// Partitioning values.
const (
	partitioningNone  = "none"
	partitioningDaily = "daily"
)

// maxPartitionsAhead keeps the table well under MySQL's 8192 partitions.
const maxPartitionsAhead = 366

func (cfg *Config) validateLifecycle() []error {
	var errs []error
	if cfg.Retention < 0 || cfg.DeadLetterRetention < 0 {
		errs = append(errs, errors.New("retention and dead_letter_retention must not be negative (0 keeps everything)"))
	}
	if cfg.RetentionInterval <= 0 {
		errs = append(errs, errors.New("retention_interval must be positive"))
	}
	if cfg.RetentionChunkRows <= 0 {
		errs = append(errs, errors.New("retention_chunk_rows must be positive"))
	}
	if cfg.RetentionChunkPause < 0 {
		errs = append(errs, errors.New("retention_chunk_pause must not be negative"))
	}
	switch cfg.Partitioning {
	case "", partitioningNone, partitioningDaily:
	default:
		errs = append(errs, fmt.Errorf("partitioning %q: must be %q or %q", cfg.Partitioning, partitioningNone, partitioningDaily))
	}
	if cfg.PartitionsAhead < 1 || cfg.PartitionsAhead > maxPartitionsAhead {
		errs = append(errs, fmt.Errorf("partitions_ahead must be between 1 and %d days", maxPartitionsAhead))
	}
	return errs
}

// daily is true when tables the exporter creates are partitioned by day.
func (cfg *Config) daily() bool { return cfg.Partitioning == partitioningDaily }

// database is the database the DSN names.
func (cfg *Config) database() string { return cfg.Database() }

// poolSize is one connection per queue consumer (a push holds one
// connection at a time) unless max_open_conns says otherwise. Without a
// queue, pushes come from the callers' goroutines; defaultConsumers of
// them.
func (cfg *Config) poolSize() int {
	if q := cfg.QueueConfig.Get(); q != nil && q.NumConsumers > 0 {
		return cfg.PoolSize(q.NumConsumers)
	}
	return cfg.PoolSize(defaultConsumers)
}
