package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"errors"
	"time"

	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/confmap"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
	"github.com/otelcol-higress/otelcol-higress/internal/configkeys"
	"github.com/otelcol-higress/otelcol-higress/internal/mysqlconn"
)

// Config is the accesslogquery extension configuration.
type Config struct {
	// ServerConfig is the HTTP server: endpoint, tls, auth (bearertokenauth,
	// basicauth…), cors, timeouts.
	confighttp.ServerConfig `mapstructure:",squash"`

	// MySQL is how the database is reached, with the exporter's keys:
	// dsn (naming the database), tls, connect_timeout, conn_max_lifetime,
	// conn_max_idle_time, max_open_conns. A block of its own because the
	// top-level tls is the HTTP server's. A read-only user is enough.
	MySQL mysqlconn.ClientConfig `mapstructure:"mysql"`
	// Table is the access-log table the exporter writes.
	Table string `mapstructure:"table"`
	// QueryTimeout bounds one request's statements.
	QueryTimeout time.Duration `mapstructure:"query_timeout"`
	// SchemaRefresh is how long the table's column list is trusted before
	// it is read again (columns added while running show up after it).
	SchemaRefresh time.Duration `mapstructure:"schema_refresh"`

	// DefaultWindow is the time range of a request without start or end.
	DefaultWindow time.Duration `mapstructure:"default_window"`
	// MaxWindow is the longest range one request may cover.
	MaxWindow time.Duration `mapstructure:"max_window"`
	// DefaultPageSize is page_size when the request has none.
	DefaultPageSize int `mapstructure:"default_page_size"`
	// MaxPageSize caps page_size; larger values are lowered to it.
	MaxPageSize int `mapstructure:"max_page_size"`
	// MaxOffset bounds (page-1)*page_size: deeper pages must use `next`.
	MaxOffset int `mapstructure:"max_offset"`
	// MaxGroups bounds the groups /query/stats returns (largest first).
	MaxGroups int `mapstructure:"max_groups"`

	// Tail configures GET /tail.
	Tail TailConfig `mapstructure:"tail"`
	// Explorer serves the log explorer page at "/".
	Explorer bool `mapstructure:"explorer"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// TailConfig configures the live tail.
type TailConfig struct {
	// MaxConcurrent is how many tails may be open at once; more get 429.
	MaxConcurrent int `mapstructure:"max_concurrent"`
	// PollInterval is how often the table is checked for new rows (one
	// check serves every open tail).
	PollInterval time.Duration `mapstructure:"poll_interval"`
	// Heartbeat is how often an idle tail sends an SSE comment, so proxies
	// keep the connection and clients notice a dead one.
	Heartbeat time.Duration `mapstructure:"heartbeat"`
	// Settle is how long a run of missing ids below the newest one is
	// still looked for after the last row appeared in it (a transaction
	// committing late, a writer using ids out of order).
	Settle time.Duration `mapstructure:"settle"`
	// BatchSize bounds the rows one tail reads per statement.
	BatchSize int `mapstructure:"batch_size"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// Validate checks the configuration without changing it.
func (cfg *Config) Validate() error {
	var errs []error
	// The mysql block validates itself: the collector validates every
	// field that has a Validate.
	errs = append(errs, accesslog.CheckIdent("table", cfg.Table, accesslog.MaxIdentLen))
	if cfg.QueryTimeout <= 0 || cfg.SchemaRefresh <= 0 {
		errs = append(errs, errors.New("query_timeout and schema_refresh must be positive"))
	}
	if cfg.DefaultWindow <= 0 || cfg.MaxWindow < cfg.DefaultWindow {
		errs = append(errs, errors.New("default_window must be positive and max_window at least default_window"))
	}
	if cfg.MaxPageSize <= 0 || cfg.DefaultPageSize <= 0 || cfg.DefaultPageSize > cfg.MaxPageSize {
		errs = append(errs, errors.New("default_page_size and max_page_size must be positive, default_page_size at most max_page_size"))
	}
	if cfg.MaxOffset < 0 {
		errs = append(errs, errors.New("max_offset must not be negative"))
	}
	if cfg.MaxGroups <= 0 {
		errs = append(errs, errors.New("max_groups must be positive"))
	}
	errs = append(errs, cfg.Tail.validate())
	return errors.Join(errs...)
}

func (t *TailConfig) validate() error {
	var errs []error
	if t.MaxConcurrent < 0 {
		errs = append(errs, errors.New("tail::max_concurrent must not be negative (0 turns /tail off)"))
	}
	if t.PollInterval <= 0 || t.Heartbeat <= 0 || t.Settle < 0 {
		errs = append(errs, errors.New("tail::poll_interval and tail::heartbeat must be positive, tail::settle not negative"))
	}
	if t.BatchSize <= 0 {
		errs = append(errs, errors.New("tail::batch_size must be positive"))
	}
	return errors.Join(errs...)
}

// database is the database the DSN names.
func (cfg *Config) database() string { return cfg.MySQL.Database() }

// removedKeys moved into the mysql block (with the exporter's names), or
// went.
var removedKeys = append(configkeys.Moved("mysql", "dsn", "connect_timeout", "max_open_conns"),
	configkeys.Removed{Key: "mysql_tls", Instead: "it is mysql::tls"},
	configkeys.Removed{Key: "database", Instead: "name the database in mysql::dsn: user:pass@tcp(host:3306)/<database>"})

// Unmarshal refuses removed keys with directions, then decodes as usual.
func (cfg *Config) Unmarshal(conf *confmap.Conf) error {
	return configkeys.Unmarshal(conf, cfg, removedKeys)
}
