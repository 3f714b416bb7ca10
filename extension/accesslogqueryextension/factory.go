package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/extension"

	"github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension/internal/metadata"
	"github.com/otelcol-higress/otelcol-higress/internal/mysqlconn"
)

const (
	defaultEndpoint = "localhost:8090"
	defaultTable    = "access_logs"
	// defaultConns: each request holds one connection while it reads;
	// open tails share one poller and read in short statements.
	defaultConns = 8
)

// NewFactory creates the accesslogquery extension factory.
func NewFactory() extension.Factory {
	return extension.NewFactory(metadata.Type, createDefaultConfig, createExtension, metadata.ExtensionStability)
}

func createDefaultConfig() component.Config {
	server := confighttp.NewDefaultServerConfig()
	server.NetAddr.Endpoint = defaultEndpoint
	return &Config{
		ServerConfig:  server,
		Table:         defaultTable,
		MySQL:         mysqlconn.NewDefaultClientConfig(),
		QueryTimeout:  30 * time.Second,
		SchemaRefresh: time.Minute,
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
			Settle:        5 * time.Minute,
			BatchSize:     500,
		},
		Explorer: true,
	}
}

func createExtension(_ context.Context, set extension.Settings, cfg component.Config) (extension.Extension, error) {
	return newQueryExtension(set, cfg.(*Config)), nil
}
