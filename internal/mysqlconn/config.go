package mysqlconn // import "github.com/otelcol-higress/otelcol-higress/internal/mysqlconn"

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configtls"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// ClientConfig is how a component reaches the access_logs database: the
// same keys in the exporter (at its top level) and in the query extension
// (under `mysql`, as its top-level `tls` is its HTTP server's).
type ClientConfig struct {
	// DSN is a go-sql-driver/mysql DSN naming the database, e.g.
	// "higress:PASSWORD@tcp(mysql:3306)/higress_poc". It carries the password, so it
	// is opaque: never printed, never logged.
	DSN configopaque.String `mapstructure:"dsn"`
	// TLS is the only way to turn TLS on (the DSN's tls= is refused, so
	// that one setting says what the connection does).
	TLS configtls.ClientConfig `mapstructure:"tls"`
	// ConnectTimeout bounds dialing and the handshake.
	ConnectTimeout time.Duration `mapstructure:"connect_timeout"`
	// ConnMaxLifetime and ConnMaxIdleTime age the pool's connections.
	ConnMaxLifetime time.Duration `mapstructure:"conn_max_lifetime"`
	ConnMaxIdleTime time.Duration `mapstructure:"conn_max_idle_time"`
	// MaxOpenConns is how many connections the component opens at most;
	// 0 is the component's own default (the exporter: one per queue
	// consumer; the query extension: 8).
	MaxOpenConns int `mapstructure:"max_open_conns"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// NewDefaultClientConfig is the defaults both components start from.
func NewDefaultClientConfig() ClientConfig {
	return ClientConfig{
		TLS:             configtls.ClientConfig{Insecure: true},
		ConnectTimeout:  10 * time.Second,
		ConnMaxLifetime: 30 * time.Minute,
		ConnMaxIdleTime: 5 * time.Minute,
	}
}

// Validate checks the settings without changing them. Its messages never
// contain the password: the driver's parse errors do not.
func (c *ClientConfig) Validate() error {
	var errs []error
	if strings.TrimSpace(string(c.DSN)) == "" {
		errs = append(errs, errors.New("dsn must not be empty"))
	} else if parsed, err := mysql.ParseDSN(string(c.DSN)); err != nil {
		errs = append(errs, fmt.Errorf("dsn: %w", err))
	} else {
		if parsed.DBName == "" {
			errs = append(errs, errors.New("dsn must name the database: user:pass@tcp(host:3306)/<database>"))
		} else {
			errs = append(errs, accesslog.CheckIdent("the dsn's database", parsed.DBName, accesslog.MaxIdentLen))
		}
		if parsed.TLSConfig != "" && parsed.TLSConfig != "false" {
			errs = append(errs, fmt.Errorf("dsn: tls=%s is not supported: turn TLS on with the tls settings (tls::insecure: false)", parsed.TLSConfig))
		}
	}
	if c.ConnectTimeout < 0 || c.ConnMaxLifetime < 0 || c.ConnMaxIdleTime < 0 {
		errs = append(errs, errors.New("connect_timeout, conn_max_lifetime and conn_max_idle_time must not be negative"))
	}
	if c.MaxOpenConns < 0 {
		errs = append(errs, errors.New("max_open_conns must not be negative (0: the component's own sizing)"))
	}
	return errors.Join(errs...)
}

// Database is the database the DSN names ("" when it names none).
func (c *ClientConfig) Database() string {
	if parsed, err := mysql.ParseDSN(string(c.DSN)); err == nil {
		return parsed.DBName
	}
	return ""
}

// PoolSize is max_open_conns, or def when it is 0.
func (c *ClientConfig) PoolSize(def int) int {
	if c.MaxOpenConns > 0 {
		return c.MaxOpenConns
	}
	return def
}

// Qualified is `database`.`table`: statements name their database
// because connections have no default one (it may not exist yet).
func Qualified(database, table string) string {
	return accesslog.QuoteIdent(database) + "." + accesslog.QuoteIdent(table)
}
