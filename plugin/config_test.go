package main

import (
	"encoding/json"
	"testing"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/higress-group/wasm-go/pkg/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tidwall/gjson"
)

func TestConfigDefaults(t *testing.T) {
	s, err := readSettings(gjson.Parse(`{"collector_service_name":"log-collector.higress-system.svc.cluster.local","collector_port":80}`))
	require.NoError(t, err)
	assert.Equal(t, destination{
		cluster:       "outbound|80||log-collector.higress-system.svc.cluster.local",
		authority:     "log-collector.higress-system.svc.cluster.local",
		path:          "/",
		timeoutMillis: 5000,
	}, s.dest)
	assert.Equal(t, limits{maxEntries: 100, maxBytes: 4 << 20, maxRetries: 3, flushTicks: 10}, s.lim)
	assert.Equal(t, 1.0, s.sampleRate)
	assert.True(t, s.alwaysLogErrors)
	assert.Zero(t, s.reqBodyMax)
	assert.Zero(t, s.respBodyMax)
	assert.Empty(t, s.captureHeaders)
	assert.Equal(t, []string{"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}, s.redactHeaders)
	assert.Empty(t, s.instanceID)
	assert.Equal(t, 256<<10, s.aiLogMax)
	assert.Empty(t, s.unknownKeys)

	small, err := readSettings(gjson.Parse(`{"collector_service_name":"c","collector_port":80,"max_buffered_bytes":65536}`))
	require.NoError(t, err)
	assert.Equal(t, 32<<10, small.aiLogMax, "half the buffer when that is smaller")
}

func TestConfigEveryKey(t *testing.T) {
	s, err := readSettings(gjson.Parse(`{
		"collector_service_name": "otel.example.dns", "collector_port": 8080, "collector_path": "/ingest",
		"instance_id": "gw-1", "flush_interval_ms": 250, "max_entries_per_post": 500,
		"max_buffered_bytes": 1048576, "max_retries": 5, "collector_timeout_ms": 2000,
		"sample_rate": 0.25, "always_log_errors": false,
		"request_body_max_bytes": 1024, "response_body_max_bytes": 2048,
		"capture_headers": ["Content-Type", "X-Trace"], "redact_headers": ["X-Secret"],
		"ingest_token": "tok", "gzip": true, "ai_log_max_bytes": 65536, "log_level": "info",
		"_rules_": [], "colector_port": 80}`))
	require.NoError(t, err)
	assert.Equal(t, destination{cluster: "outbound|8080||otel.example.dns", authority: "otel.example.dns",
		path: "/ingest", token: "tok", gzip: true, timeoutMillis: 2000}, s.dest)
	assert.Equal(t, limits{maxEntries: 500, maxBytes: 1 << 20, maxRetries: 5, flushTicks: 3}, s.lim)
	assert.Equal(t, "gw-1", s.instanceID)
	assert.Equal(t, 0.25, s.sampleRate)
	assert.False(t, s.alwaysLogErrors)
	assert.Equal(t, 1024, s.reqBodyMax)
	assert.Equal(t, 2048, s.respBodyMax)
	assert.Equal(t, []string{"content-type", "x-trace"}, s.captureHeaders)
	assert.Equal(t, []string{"x-secret"}, s.redactHeaders)
	assert.Equal(t, 65536, s.aiLogMax)
	assert.Equal(t, []string{"colector_port"}, s.unknownKeys, "a misspelt key is reported; log_level and wasm-go's keys are not")
}

func TestConfigInvalid(t *testing.T) {
	for name, tc := range map[string]struct {
		config string
		errs   []string
	}{
		"no collector": {`{}`, []string{"collector_service_name is required", "collector_port must be 1-65535, got 0"}},
		"bad values": {`{"collector_service_name":"c","collector_port":80,"collector_path":"ingest",
			"flush_interval_ms":0,"max_entries_per_post":0,"max_buffered_bytes":10,"max_retries":-1,
			"collector_timeout_ms":-5,"sample_rate":1.5,"request_body_max_bytes":-1,"ai_log_max_bytes":100}`, []string{
			`collector_path must start with /, got "ingest"`,
			"flush_interval_ms must be > 0, got 0",
			"max_entries_per_post must be > 0, got 0",
			"max_buffered_bytes must be >= 1024, got 10",
			"max_retries must be >= 0, got -1",
			"collector_timeout_ms must be > 0, got -5",
			"sample_rate must be between 0 and 1, got 1.5",
			"request_body_max_bytes and response_body_max_bytes must be >= 0",
			"ai_log_max_bytes must be between 1024 and half of max_buffered_bytes",
		}},
		"port too big": {`{"collector_service_name":"c","collector_port":70000}`, []string{"collector_port must be 1-65535, got 70000"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := readSettings(gjson.Parse(tc.config))
			require.Error(t, err)
			for _, e := range tc.errs {
				assert.Contains(t, err.Error(), e)
			}
		})
	}
}

// db-log-pusher's WasmPlugin configuration starts the plugin unchanged; a
// configuration the plugin refuses fails the start instead of running with
// guesses.
func TestConfigDropInStarts(t *testing.T) {
	inGoMode(t, func(t *testing.T) {
		// One host at a time: the emulator is process-wide.
		raw, _ := json.Marshal(map[string]any{"collector_port": 80})
		host, status := test.NewTestHost(raw)
		host.Reset()
		assert.Equal(t, types.OnPluginStartStatusFailed, status)

		g := newGateway(t, dropInConfig())
		c, err := g.host.GetMatchConfig()
		require.NoError(t, err)
		cfg := c.(*pluginConfig)
		assert.Equal(t, "outbound|80||"+collectorService, cfg.sender.dest.cluster)
		assert.Equal(t, "/ingest", cfg.sender.dest.path)
	})
}

// Rules that name the same collector share one buffer and one tick: their
// entries go out in the same POST.
func TestConfigRulesShareTheSender(t *testing.T) {
	inGoMode(t, func(t *testing.T) {
		rule := func(route string) map[string]any {
			r := withConfig(map[string]any{"_match_route_": []string{route}})
			delete(r, "log_level")
			return r
		}
		g := newGateway(t, map[string]any{"_rules_": []any{rule("route-a"), rule("route-b")}})
		for _, route := range []string{"route-a", "route-b"} {
			g.do(call{id: "rule-" + route, status: 200, attrs: map[string]any{"route_name": route, "response.code": 200}})
		}
		// One tick function: the batch closes after flush_interval (10
		// ticks), not after 5 as with one tick function per rule.
		assert.Empty(t, g.ticks(9, func(int) int { return 200 }))
		posts := g.ticks(1, func(int) int { return 200 })
		require.Len(t, posts, 1)
		assert.Len(t, posts[0].entries, 2)
	})
}
