package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/exporter/exporterhelper"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// minQueueBytes: a byte-sized queue smaller than this holds a few hundred
// records at most. Such a queue_size is almost surely a record count.
const minQueueBytes = 1 << 20

// Config is the mysqlaccesslog exporter configuration.
type Config struct {
	// DSN is a go-sql-driver/mysql DSN naming the database, e.g.
	// "higress:PASSWORD@tcp(mysql:3306)/higress_poc". HiMarket reads its own database,
	// so the name is always configuration. It carries the password, so it
	// is opaque: never printed, never logged.
	DSN configopaque.String `mapstructure:"dsn"`
	// Table is the access-log table; "<table>_rejected" is its dead-letter table.
	Table string `mapstructure:"table"`
	// CreateSchema creates the database, the tables, missing columns and
	// missing indexes. Without it the exporter writes to what exists.
	CreateSchema bool `mapstructure:"create_schema"`
	// MaxRowsPerStatement bounds one INSERT (the placeholder and
	// max_allowed_packet limits are applied on top).
	MaxRowsPerStatement int `mapstructure:"max_rows_per_statement"`

	// TLS is the only way to turn TLS on (the DSN's tls= is refused).
	TLS configtls.ClientConfig `mapstructure:"tls"`
	// ConnectTimeout bounds dialing and the handshake.
	ConnectTimeout time.Duration `mapstructure:"connect_timeout"`
	// ConnMaxLifetime and ConnMaxIdleTime age the pool's connections; the
	// pool holds sending_queue::num_consumers of them, one per writer.
	ConnMaxLifetime time.Duration `mapstructure:"conn_max_lifetime"`
	ConnMaxIdleTime time.Duration `mapstructure:"conn_max_idle_time"`

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
var removedKeys = []struct{ key, instead string }{
	{"database", "name the database in the dsn: user:pass@tcp(host:3306)/<database>"},
	{"insert_method", "rows are always written with multi-row INSERT: delete the key"},
	{"max_open_conns", "the pool holds sending_queue::num_consumers connections: delete the key"},
	{"max_idle_conns", "the pool holds sending_queue::num_consumers connections: delete the key"},
	{"schema_retry_interval", "a push that finds no schema sets it up, paced by retry_on_failure: delete the key"},
}

// Unmarshal refuses removed keys with directions, then decodes as usual.
func (cfg *Config) Unmarshal(conf *confmap.Conf) error {
	var errs []error
	for _, r := range removedKeys {
		if conf.IsSet(r.key) {
			errs = append(errs, fmt.Errorf("%s is no longer a setting: %s", r.key, r.instead))
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return conf.Unmarshal(cfg)
}

// Validate checks the configuration without changing it.
func (cfg *Config) Validate() error {
	var errs []error
	if strings.TrimSpace(string(cfg.DSN)) == "" {
		errs = append(errs, errors.New("dsn must not be empty"))
	} else if parsed, err := mysql.ParseDSN(string(cfg.DSN)); err != nil {
		// The driver's message never contains the password.
		errs = append(errs, fmt.Errorf("dsn: %w", err))
	} else {
		if parsed.DBName == "" {
			errs = append(errs, errors.New("dsn must name the database: user:pass@tcp(host:3306)/<database>"))
		} else {
			errs = append(errs, accesslog.CheckIdent("the dsn's database", parsed.DBName, accesslog.MaxIdentLen))
		}
		if parsed.TLSConfig != "" && parsed.TLSConfig != "false" {
			errs = append(errs, fmt.Errorf("dsn: tls=%s is not supported: turn TLS on with the exporter's tls settings (tls::insecure: false)", parsed.TLSConfig))
		}
	}
	// The dead-letter table adds rejectedSuffix to the name and must still fit.
	errs = append(errs, accesslog.CheckIdent("table", cfg.Table, accesslog.MaxIdentLen-len(rejectedSuffix)))
	if cfg.MaxRowsPerStatement <= 0 {
		errs = append(errs, errors.New("max_rows_per_statement must be positive"))
	}
	if cfg.ConnectTimeout < 0 || cfg.ConnMaxLifetime < 0 || cfg.ConnMaxIdleTime < 0 {
		errs = append(errs, errors.New("connect_timeout, conn_max_lifetime and conn_max_idle_time must not be negative"))
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
func (cfg *Config) database() string {
	if parsed, err := mysql.ParseDSN(string(cfg.DSN)); err == nil {
		return parsed.DBName
	}
	return ""
}

// poolSize is one connection per queue consumer: a push holds one
// connection at a time. Without a queue, pushes come from the callers'
// goroutines; defaultConsumers of them.
func (cfg *Config) poolSize() int {
	if q := cfg.QueueConfig.Get(); q != nil && q.NumConsumers > 0 {
		return q.NumConsumers
	}
	return defaultConsumers
}
