package ailogprocessor

import (
	"context"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
	"github.com/otelcol-higress/otelcol-higress/internal/cpubench"
	"github.com/otelcol-higress/otelcol-higress/processor/ailogprocessor/internal/metadata"
)

// typicalAILog is what ai-statistics writes for a streamed chat completion.
const typicalAILog = `{"model":"qwen-max","input_token":"152","output_token":"384","total_token":536,
 "llm_first_token_duration":210,"llm_service_duration":1830,"response_type":"stream",
 "api":"chat@v1@openai","consumer":"team-a","session_id":"s-42","chat_round":3,
 "cache_status":"miss","safecheck_status":"request pass",
 "question":"What is the capital of France?","answer":"Paris is the capital of France."}`

const benchBatch = 1000

// benchLogs builds a batch shaped like the receiver's output: top-level
// columns empty (the plugin sends "" for them) so every fallback runs.
func benchLogs(b *testing.B, aiLog func(pcommon.Map)) plog.Logs {
	ld := plog.NewLogs()
	lrs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for range benchBatch {
		m := lrs.AppendEmpty().Attributes()
		m.PutStr(accesslog.AttrPath, "/v1/chat/completions")
		m.PutStr(accesslog.AttrModel, "")
		m.PutStr(accesslog.AttrConsumer, "")
		m.PutStr(accesslog.AttrMCPServer, "")
		m.PutStr(accesslog.AttrMCPTool, "")
		aiLog(m)
	}
	return ld
}

func benchmarkProcess(b *testing.B, aiLog func(pcommon.Map)) {
	benchmarkProcessWith(b, defaultConfig(), aiLog)
}

func benchmarkProcessWith(b *testing.B, cfg *Config, aiLog func(pcommon.Map)) {
	p, err := newAILogProcessor(processortest.NewNopSettings(metadata.Type), cfg)
	if err != nil {
		b.Fatal(err)
	}
	tmpl := benchLogs(b, aiLog)
	batch := plog.NewLogs()
	b.ReportAllocs()
	b.ResetTimer()
	m := cpubench.Start()
	for b.Loop() {
		// A fresh copy each time: the processor mutates records in place.
		b.StopTimer()
		m.Pause()
		tmpl.CopyTo(batch)
		m.Resume()
		b.StartTimer()
		if _, err := p.processLogs(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	m.Report(b, b.N*benchBatch)
}

// BenchmarkProcessMap: ai_log already parsed by the receiver (the usual path).
func BenchmarkProcessMap(b *testing.B) {
	benchmarkProcess(b, func(m pcommon.Map) { putAILogMap(b, m, typicalAILog) })
}

// BenchmarkProcessString: ai_log as a JSON string (older senders, OTLP in).
func BenchmarkProcessString(b *testing.B) {
	benchmarkProcess(b, func(m pcommon.Map) { m.PutStr(accesslog.AttrAILog, typicalAILog) })
}

// BenchmarkProcessMapPriced: BenchmarkProcessMap with the README's price
// table; qwen-max matches its seventh entry, after six globs that do not.
func BenchmarkProcessMapPriced(b *testing.B) {
	cfg := readmePriceExample(b)
	benchmarkProcessWith(b, cfg, func(m pcommon.Map) { putAILogMap(b, m, typicalAILog) })
}
