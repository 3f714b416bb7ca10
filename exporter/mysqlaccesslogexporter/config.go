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
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

// Insert methods.
const (
	// InsertMethodAuto uses LOAD DATA LOCAL INFILE when the server allows it
	// and falls back to INSERT otherwise.
	InsertMethodAuto = "auto"
	// InsertMethodInsert always uses multi-row INSERT.
	InsertMethodInsert = "insert"
	// InsertMethodLoadData always uses LOAD DATA LOCAL INFILE; a server that
	// refuses it makes every write fail (retryable), so prefer auto.
	InsertMethodLoadData = "load_data"
)

// maxIdentLen is MySQL's identifier limit; the dead-letter table adds
// rejectedSuffix to the table name and must still fit.
const maxIdentLen = 64

// Config is the mysqlaccesslog exporter configuration.
type Config struct {
	// DSN is a go-sql-driver/mysql DSN, e.g.
	// "user:pass@tcp(db:3306)/higress?tls=skip-verify". It carries the
	// password, so it is opaque: never printed, never logged.
	DSN configopaque.String `mapstructure:"dsn"`
	// Database overrides the DSN's database name. HiMarket reads its own
	// database, so the name is always configuration.
	Database string `mapstructure:"database"`
	// Table is the access-log table; "<table>_rejected" is its dead-letter table.
	Table string `mapstructure:"table"`
	// CreateSchema creates the database, the tables, missing columns and
	// missing indexes. Without it the exporter writes to what exists.
	CreateSchema bool `mapstructure:"create_schema"`
	// InsertMethod is auto, insert or load_data.
	InsertMethod string `mapstructure:"insert_method"`
	// MaxRowsPerStatement bounds one INSERT / LOAD DATA (the placeholder and
	// max_allowed_packet limits are applied on top).
	MaxRowsPerStatement int `mapstructure:"max_rows_per_statement"`

	// TLS is the client TLS setting; when it is not insecure it overrides
	// any tls= parameter of the DSN.
	TLS configtls.ClientConfig `mapstructure:"tls"`
	// ConnectTimeout bounds dialing and the handshake.
	ConnectTimeout time.Duration `mapstructure:"connect_timeout"`
	// Pool settings of database/sql.
	MaxOpenConns    int           `mapstructure:"max_open_conns"`
	MaxIdleConns    int           `mapstructure:"max_idle_conns"`
	ConnMaxLifetime time.Duration `mapstructure:"conn_max_lifetime"`
	ConnMaxIdleTime time.Duration `mapstructure:"conn_max_idle_time"`
	// SchemaRetryInterval is how often Start's background schema setup
	// retries while the database is unreachable.
	SchemaRetryInterval time.Duration `mapstructure:"schema_retry_interval"`

	// TimeoutConfig is the per-push timeout (key `timeout`).
	exporterhelper.TimeoutConfig `mapstructure:",squash"`
	// BackOffConfig is `retry_on_failure`.
	BackOffConfig configretry.BackOffConfig `mapstructure:"retry_on_failure"`
	// QueueConfig is `sending_queue`: batching inside the queue, `storage`
	// for a persistent queue.
	QueueConfig configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Validate checks the configuration without changing it.
func (cfg *Config) Validate() error {
	var errs []error
	if strings.TrimSpace(string(cfg.DSN)) == "" {
		errs = append(errs, errors.New("dsn must not be empty"))
	} else if parsed, err := mysql.ParseDSN(string(cfg.DSN)); err != nil {
		// The driver's message never contains the password.
		errs = append(errs, fmt.Errorf("dsn: %w", err))
	} else if cfg.Database == "" && parsed.DBName == "" {
		errs = append(errs, errors.New("a database is required: set `database` or name it in the dsn"))
	}
	if cfg.Database != "" {
		errs = append(errs, checkIdent("database", cfg.Database, maxIdentLen))
	}
	errs = append(errs, checkIdent("table", cfg.Table, maxIdentLen-len(rejectedSuffix)))
	switch cfg.InsertMethod {
	case InsertMethodAuto, InsertMethodInsert, InsertMethodLoadData:
	default:
		errs = append(errs, fmt.Errorf("insert_method %q must be one of auto, insert, load_data", cfg.InsertMethod))
	}
	if cfg.MaxRowsPerStatement <= 0 {
		errs = append(errs, errors.New("max_rows_per_statement must be positive"))
	}
	if cfg.ConnectTimeout < 0 || cfg.ConnMaxLifetime < 0 || cfg.ConnMaxIdleTime < 0 {
		errs = append(errs, errors.New("connect_timeout, conn_max_lifetime and conn_max_idle_time must not be negative"))
	}
	if cfg.MaxOpenConns < 0 || cfg.MaxIdleConns < 0 {
		errs = append(errs, errors.New("max_open_conns and max_idle_conns must not be negative"))
	}
	if cfg.SchemaRetryInterval <= 0 {
		errs = append(errs, errors.New("schema_retry_interval must be positive"))
	}
	return errors.Join(errs...)
}

// checkIdent accepts any name MySQL can quote: the exporter always quotes
// identifiers, so only emptiness, length and NUL matter.
func checkIdent(key, name string, maxLen int) error {
	switch {
	case name == "":
		return fmt.Errorf("%s must not be empty", key)
	case len([]rune(name)) > maxLen:
		return fmt.Errorf("%s %q is longer than %d characters", key, name, maxLen)
	case strings.ContainsRune(name, 0) || strings.TrimSpace(name) != name:
		return fmt.Errorf("%s %q contains NUL or surrounding spaces", key, name)
	}
	return nil
}

// database is the target database: the override, else the DSN's.
func (cfg *Config) database() string {
	if cfg.Database != "" {
		return cfg.Database
	}
	if parsed, err := mysql.ParseDSN(string(cfg.DSN)); err == nil {
		return parsed.DBName
	}
	return ""
}
