package main

import (
	"context"
	"os"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/connector/signaltometricsconnector"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/connector/connectortest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"sigs.k8s.io/yaml"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// BenchmarkGenAIMetrics: CPU per record of config/metrics.yaml's
// signal_to_metrics connector (its 19 metric definitions) on records as the
// ailog processor leaves them — what metrics.genai adds to the logs path.
func BenchmarkGenAIMetrics(b *testing.B) {
	raw, err := os.ReadFile("../../config/metrics.yaml")
	require.NoError(b, err)
	var cfgMap map[string]any
	require.NoError(b, yaml.Unmarshal(raw, &cfgMap))
	sub, err := confmap.NewFromStringMap(cfgMap).Sub("connectors::signal_to_metrics")
	require.NoError(b, err)
	f := signaltometricsconnector.NewFactory()
	cfg := f.CreateDefaultConfig()
	require.NoError(b, sub.Unmarshal(cfg))
	conn, err := f.CreateLogsToMetrics(context.Background(), connectortest.NewNopSettings(f.Type()), cfg, new(consumertest.MetricsSink))
	require.NoError(b, err)
	require.NoError(b, conn.Start(context.Background(), componenttest.NewNopHost()))
	b.Cleanup(func() { _ = conn.Shutdown(context.Background()) })

	// 1000 records of testCalls' shapes.
	ld := plog.NewLogs()
	calls := testCalls()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for i := range 1000 {
		attrs := lrs.AppendEmpty().Attributes()
		require.NoError(b, attrs.FromRaw(processedAttrs(calls[i%len(calls)])))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := conn.ConsumeLogs(context.Background(), ld); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/record")
}

// processedAttrs are the attributes the receiver and the ailog processor
// give a call's record (the ones the metrics read).
func processedAttrs(c call) map[string]any {
	ai := func(key string) string {
		row, ok := accesslog.AILogByKey(key)
		if !ok {
			panic(key)
		}
		return row.Attr
	}
	m := map[string]any{
		accesslog.AttrModel: c.model, accesslog.AttrConsumer: c.consumer, "higress.route_name": c.route,
		"higress.duration_ms": c.durMs, ai("response_type"): "normal",
	}
	if c.code != 0 {
		m[accesslog.AttrResponseCode] = c.code
	}
	for attr, n := range map[string]int{accesslog.AttrInputTokens: c.in, accesslog.AttrOutputTokens: c.out,
		accesslog.AttrCachedTokens: c.cached, accesslog.AttrReasoningTokens: c.reasoning, ai("llm_service_duration"): c.serviceMs} {
		if n > 0 {
			m[attr] = n
		}
	}
	if c.stream {
		m[ai("response_type")] = "stream"
		m[ai("llm_first_token_duration")] = c.firstMs
	}
	if c.model == "gpt-4o" {
		m[accesslog.AttrCost], m[accesslog.AttrCurrency] = 0.0123, "USD"
	}
	if c.limited {
		m[ai("token_ratelimit_status")] = "limited"
	}
	if c.cache != "" {
		m[ai("cache_status")] = c.cache
	}
	if c.safecheck != "" {
		m[ai("safecheck_status")], m[ai("safecheck_riskLabel")] = c.safecheck, c.risk
	}
	if c.tool != "" {
		m[accesslog.AttrMCPTool], m[accesslog.AttrMCPServer], m[ai("jsonrpc_method")] = c.tool, "amap", "tools/call"
		if c.toolErr != "" {
			m[ai("mcp_tool_error")] = c.toolErr
		}
	}
	return m
}
