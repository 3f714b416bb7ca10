package main

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/confmap/provider/yamlprovider"
	"go.opentelemetry.io/collector/otelcol"

	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
)

// Test helpers shared by every in-process collector test of this package:
// they run the distribution exactly as main does, from config files in
// config/ plus "yaml:" overrides for ports and paths.

// quietTelemetry keeps the collector's own metrics endpoint (:8888) off so
// that tests can run side by side.
const quietTelemetry = "yaml:service::telemetry::metrics::level: none"

func collectorSettings(uris ...string) otelcol.CollectorSettings {
	return otelcol.CollectorSettings{
		BuildInfo: component.BuildInfo{Command: "otelcol-higress", Version: "test"},
		Factories: components,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{
			ResolverSettings: confmap.ResolverSettings{
				URIs: uris,
				ProviderFactories: []confmap.ProviderFactory{
					envprovider.NewFactory(),
					fileprovider.NewFactory(),
					yamlprovider.NewFactory(),
				},
			},
		},
	}
}

// startCollector runs the distribution in-process until the test ends.
func startCollector(t *testing.T, uris ...string) *otelcol.Collector {
	t.Helper()
	col, err := otelcol.NewCollector(collectorSettings(append(uris, quietTelemetry)...))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- col.Run(context.Background()) }()
	require.Eventually(t, func() bool {
		select {
		case err := <-done:
			require.NoError(t, err, "collector stopped during start")
			return false
		default:
		}
		return col.GetState() == otelcol.StateRunning
	}, time.Minute, 20*time.Millisecond)
	t.Cleanup(func() {
		col.Shutdown()
		require.NoError(t, <-done)
	})
	return col
}

// freeAddr returns a loopback address with a port nobody listens on, and
// never the same one twice (mysqltest.FreePort).
func freeAddr(t *testing.T) string {
	t.Helper()
	port, err := mysqltest.FreePort()
	require.NoError(t, err)
	return "127.0.0.1:" + strconv.Itoa(port)
}
