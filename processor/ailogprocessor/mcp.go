package ailogprocessor // import "github.com/otelcol-higress/otelcol-higress/processor/ailogprocessor"

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// mcpServersPrefix is where Higress serves MCP servers: /mcp-servers/{name}/…
// (HiMarket's MCP views select rows by it too).
const mcpServersPrefix = "/mcp-servers/"

// fillMCPServer fills mcp_server from the path when the top level lacks it
// (CONTRACT.md §3). mcp_tool comes from ai_log.mcp_tool_name by the table.
func fillMCPServer(attrs pcommon.Map) {
	if hasString(attrs, accesslog.AttrMCPServer) {
		return
	}
	v, ok := attrs.Get(accesslog.AttrPath)
	if !ok || v.Type() != pcommon.ValueTypeStr {
		return
	}
	if name := mcpServerFromPath(v.Str()); name != "" {
		attrs.PutStr(accesslog.AttrMCPServer, name)
	}
}

// mcpServerFromPath returns {name} of /mcp-servers/{name}/… . The path
// includes the query string, so "/mcp-servers/{name}?…" counts as well.
func mcpServerFromPath(path string) string {
	rest, ok := strings.CutPrefix(path, mcpServersPrefix)
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}
