package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configtls"
	"go.opentelemetry.io/collector/extension"

	"github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension/internal/metadata"
)

const (
	defaultEndpoint = "localhost:8090"
	defaultTable    = "access_logs"
)

// NewFactory creates the accesslogquery extension factory.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, createExtension, metadata.ExtensionStability)
}

func createDefaultConfig() component.Config {
	server := confighttp.NewDefaultServerConfig()
	server.NetAddr.Endpoint = defaultEndpoint
	return &Config{
		ServerConfig:   server,
		Table:          defaultTable,
		MySQLTLS:       configtls.ClientConfig{Insecure: true},
		ConnectTimeout: 5 * time.Second,
		QueryTimeout:   30 * time.Second,
		MaxOpenConns:   8,
		SchemaRefresh:  time.Minute,
		// The POC's defaults (10 per page, at most 100), and a window that
		// keeps one call to the indexed recent part of the table.
		DefaultWindow:   time.Hour,
		MaxWindow:       7 * 24 * time.Hour,
		DefaultPageSize: 10,
		MaxPageSize:     100,
		MaxOffset:       10000,
		MaxGroups:       100,
		Tail: TailConfig{
			MaxConcurrent: 16,
			PollInterval:  500 * time.Millisecond,
			Heartbeat:     15 * time.Second,
			Settle:        2 * time.Second,
			BatchSize:     500,
		},
		Explorer: true,
	}
}

func createExtension(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newQueryExtension(set, cfg.(*Config)), nil
}
