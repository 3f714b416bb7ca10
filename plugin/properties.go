package main

import (
	"encoding/binary"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm"
)

// Envoy attributes read when the stream is done. Envoy serializes integers,
// durations and timestamps as 8 little-endian bytes (durations and
// timestamps in nanoseconds), strings as their bytes.
var (
	propRequestTime        = []string{"request", "time"}
	propRequestDuration    = []string{"request", "duration"}
	propRequestSize        = []string{"request", "size"}
	propRequestProtocol    = []string{"request", "protocol"}
	propResponseCode       = []string{"response", "code"}
	propResponseCodeDetail = []string{"response", "code_details"}
	propResponseFlags      = []string{"response", "flags"}
	propResponseSize       = []string{"response", "size"}
	propUpstreamAddress    = []string{"upstream", "address"}
	propUpstreamLocal      = []string{"upstream", "local_address"}
	propUpstreamFailure    = []string{"upstream", "transport_failure_reason"}
	propSourceAddress      = []string{"source", "address"}
	propDestinationAddress = []string{"destination", "address"}
	propRequestedServer    = []string{"connection", "requested_server_name"}
	propClusterName        = []string{"cluster_name"}
	propRouteName          = []string{"route_name"}
	propAILog              = []string{"ai_log"}
	// Istio puts the pod's name in node.metadata.NAME (pkg/model/proxy.go:
	// InstanceName `json:"NAME"`, "replaces POD_NAME"; pkg/bootstrap
	// sets it from the POD_NAME variable Higress's gateway pod has);
	// POD_NAME and node.id are db-log-pusher's fallbacks.
	propNodeName    = []string{"node", "metadata", "NAME"}
	propNodePodName = []string{"node", "metadata", "POD_NAME"}
	propNodeID      = []string{"node", "id"}
	// Filter state Higress's MCP server sets for a tools/call
	// (wasm-go pkg/mcp/server: SetProperty mcp_server_name and
	// mcp_tool_name): the server and the tool that really ran.
	propMCPServerName = []string{"mcp_server_name"}
	propMCPToolName   = []string{"mcp_tool_name"}
)

// propString returns a string attribute, "" when Envoy has none.
func propString(path []string) string {
	b, err := proxywasm.GetProperty(path)
	if err != nil {
		return ""
	}
	return string(b)
}

// propInt returns an integer, duration or timestamp attribute; ok is false
// when Envoy has none (or sends something that is not 8 bytes).
func propInt(path []string) (int64, bool) {
	b, err := proxywasm.GetProperty(path)
	if err != nil || len(b) != 8 {
		return 0, false
	}
	return int64(binary.LittleEndian.Uint64(b)), true
}
