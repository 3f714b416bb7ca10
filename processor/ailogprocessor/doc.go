// Package ailogprocessor flattens the ai_log object that Higress plugins
// (ai-statistics, MCP server, ai-security-guard …) attach to each access log
// into typed attributes with OTel GenAI names, and fills the access_logs
// column attributes that only ai_log carries (docs/contract.md §3), so that the
// MySQL exporter can stay a plain writer.
package ailogprocessor // import "github.com/otelcol-higress/otelcol-higress/processor/ailogprocessor"

//go:generate go tool mdatagen metadata.yaml
