package ailogprocessor // import "github.com/otelcol-higress/otelcol-higress/processor/ailogprocessor"

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// fillUpstreamCluster fills upstream_cluster from the top-level `service`
// when the gateway sent none (CONTRACT.md §3): HiMarket's token tables group
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
