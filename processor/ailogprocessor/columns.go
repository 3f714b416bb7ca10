package ailogprocessor // import "github.com/otelcol-higress/otelcol-higress/processor/ailogprocessor"

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// fallback is one ai_log value that may fill a column attribute.
type fallback struct {
	column string
	str    string
	num    accesslog.Number
	isNum  bool
}

// fallbacks holds the ai_log values that may fill a column attribute:
// at most one per ai_log key, so an array sized by the key table holds
// them all without an allocation per record. details are the token-details entries,
// applied after list: ai_log's own cached_tokens / reasoning_tokens win
// over the same count inside a details object, whatever the key order.
type fallbacks struct {
	list    [len(accesslog.AILogKeys)]fallback
	n       int
	details [len(accesslog.AILogDetails)]fallback
	nd      int
}

func (fb *fallbacks) addDetail(column string, n accesslog.Number) {
	if fb.nd < len(fb.details) {
		fb.details[fb.nd] = fallback{column: column, num: n, isNum: true}
		fb.nd++
	}
}

func (fb *fallbacks) addString(column, s string) {
	if column != "" && fb.n < len(fb.list) {
		fb.list[fb.n] = fallback{column: column, str: s}
		fb.n++
	}
}

func (fb *fallbacks) addNumber(column string, n accesslog.Number) {
	if column != "" && fb.n < len(fb.list) {
		fb.list[fb.n] = fallback{column: column, num: n, isNum: true}
		fb.n++
	}
}

// fillColumns applies docs/contract.md §3: a column attribute the top
// level lacks is taken from ai_log; total_tokens, lacking both, is input +
// output.
// "Lacks" means absent or "" for strings, and absent or not > 0 for tokens:
// the plugin writes 0 only when it found no usage, so a 0 must not hide the
// usage ai_log reports (total_tokens follows input/output here, so that a
// row never shows 0 next to non-zero input and output).
func fillColumns(attrs pcommon.Map, fb *fallbacks) {
	for i := 0; i < fb.n; i++ {
		fill(attrs, &fb.list[i])
	}
	for i := 0; i < fb.nd; i++ {
		fill(attrs, &fb.details[i])
	}
	if hasPositive(attrs, accesslog.AttrTotalTokens) {
		return
	}
	in, okIn := positiveInt(attrs, accesslog.AttrInputTokens)
	out, okOut := positiveInt(attrs, accesslog.AttrOutputTokens)
	if okIn || okOut {
		attrs.PutInt(accesslog.AttrTotalTokens, in+out)
	}
}

func fill(attrs pcommon.Map, f *fallback) {
	if f.isNum {
		if f.num.Positive() && !hasPositive(attrs, f.column) {
			f.num.Put(attrs.PutEmpty(f.column))
		}
		return
	}
	if !hasString(attrs, f.column) {
		attrs.PutStr(f.column, f.str)
	}
}

// hasString: present and not "" (empty strings are kept as sent by the
// receiver and mean absent).
func hasString(attrs pcommon.Map, key string) bool {
	v, ok := attrs.Get(key)
	return ok && !isEmptyValue(v)
}

func hasPositive(attrs pcommon.Map, key string) bool {
	v, ok := attrs.Get(key)
	if !ok {
		return false
	}
	n, st := accesslog.NumberOf(v)
	return st == accesslog.IsNumber && n.Positive()
}

// positiveInt reads a token column for the total; fractional counts are
// rounded down, as token counts are whole.
func positiveInt(attrs pcommon.Map, key string) (int64, bool) {
	v, ok := attrs.Get(key)
	if !ok {
		return 0, false
	}
	n, st := accesslog.NumberOf(v)
	if st != accesslog.IsNumber || !n.Positive() {
		return 0, false
	}
	if i, ok := n.Integer(); ok {
		return i, true
	}
	return int64(n.Float), true
}

// mcpServersPrefix is where Higress serves MCP servers: /mcp-servers/{name}/…
// (HiMarket's MCP views select rows by it too).
const mcpServersPrefix = "/mcp-servers/"

// fillMCPServer fills mcp_server from the path when the top level lacks it
// (docs/contract.md). mcp_tool comes from ai_log.mcp_tool_name by the table.
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

// fillUpstreamCluster fills upstream_cluster from the top-level `service`
// when the gateway sent none (docs/contract.md): HiMarket's token tables group
// by upstream_cluster and skip NULLs.
func fillUpstreamCluster(attrs pcommon.Map) {
	if hasString(attrs, accesslog.AttrUpstream) {
		return
	}
	v, ok := attrs.Get(accesslog.AttrService)
	if !ok || v.Type() != pcommon.ValueTypeStr || v.Str() == "" {
		return
	}
	attrs.PutStr(accesslog.AttrUpstream, v.Str())
}
