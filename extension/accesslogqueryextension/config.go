package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configtls"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// Config is the accesslogquery extension configuration.
type Config struct {
	// ServerConfig is the HTTP server: endpoint, tls, auth (bearertokenauth,
	// basicauth…), cors, timeouts.
	confighttp.ServerConfig `mapstructure:",squash"`

	// DSN is a go-sql-driver/mysql DSN. It carries the password, so it is
	// opaque: never printed, never logged. A read-only user is enough.
	DSN configopaque.String `mapstructure:"dsn"`
	// Database overrides the DSN's database name.
	Database string `mapstructure:"database"`
	// Table is the access-log table the exporter writes.
	Table string `mapstructure:"table"`
	// MySQLTLS is the client TLS setting towards the database; when it is
	// not insecure it overrides any tls= parameter of the DSN.
	MySQLTLS configtls.ClientConfig `mapstructure:"mysql_tls"`
	// ConnectTimeout bounds dialing the database.
	ConnectTimeout time.Duration `mapstructure:"connect_timeout"`
	// QueryTimeout bounds one request's statements.
	QueryTimeout time.Duration `mapstructure:"query_timeout"`
	// MaxOpenConns bounds the connections this extension opens.
	MaxOpenConns int `mapstructure:"max_open_conns"`
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
	// Settle is how long an id below the newest one may stay missing
	// (a transaction still committing) before tails move past it.
	Settle time.Duration `mapstructure:"settle"`
	// BatchSize bounds the rows one tail reads per statement.
	BatchSize int `mapstructure:"batch_size"`

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
		errs = append(errs, accesslog.CheckIdent("database", cfg.Database, accesslog.MaxIdentLen))
	}
	errs = append(errs, accesslog.CheckIdent("table", cfg.Table, accesslog.MaxIdentLen))
	if cfg.ConnectTimeout < 0 {
		errs = append(errs, errors.New("connect_timeout must not be negative"))
	}
	if cfg.QueryTimeout <= 0 || cfg.SchemaRefresh <= 0 {
		errs = append(errs, errors.New("query_timeout and schema_refresh must be positive"))
	}
	if cfg.MaxOpenConns < 0 {
		errs = append(errs, errors.New("max_open_conns must not be negative"))
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
