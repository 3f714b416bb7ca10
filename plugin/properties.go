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
	propPodName            = []string{"node", "metadata", "POD_NAME"}
	propMCPServerName      = []string{"mcp_server_name"}
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
