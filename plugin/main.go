// Command plugin is otelcol-log-pusher, the Higress (Envoy) WASM plugin that
// sends one access-log entry per request to the otelcol-higress collector.
//
// It is a drop-in replacement for db-log-pusher: the same configuration
// keys and the same JSON fields, but it never buffers a body it passes on,
// logs every request once its stream is done (with ai_log complete), and
// sends entries in batches from each worker VM's root context.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o plugin.wasm .
package main

import (
	"github.com/higress-group/wasm-go/pkg/wrapper"
)

// pluginName is the name Higress shows in its logs for this plugin.
const pluginName = "otelcol-log-pusher"

func main() {}

// init registers the callbacks. Go's wasip1 c-shared build runs init, not
// main, before the host calls into the module.
//
// No WithRebuild* option: a rebuild throws the VM away, and with it every
// entry still waiting in the worker's buffer.
func init() {
	wrapper.SetCtx(
		pluginName,
		wrapper.PrePluginStartOrReload[pluginConfig](onPluginStart),
		wrapper.ParseConfig(parseConfig),
		wrapper.ProcessRequestHeaders(onRequestHeaders),
		wrapper.ProcessStreamingRequestBody(onRequestBody),
		wrapper.ProcessResponseHeaders(onResponseHeaders),
		wrapper.ProcessStreamingResponseBody(onResponseBody),
		wrapper.ProcessStreamDone(onStreamDone),
		wrapper.EnableSafeLog[pluginConfig](),
	)
}
