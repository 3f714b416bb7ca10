package main

import "strings"

// responseFlagNames are Envoy's short response-flag names in the order of
// its CoreResponseFlag enum (envoy/stream_info/stream_info.h). The
// response.flags attribute is the legacy bit vector: flag i is bit 1<<i.
// The enum is append-only, so an older Envoy sets a prefix of these bits.
var responseFlagNames = [...]string{
	"LH",    // FailedLocalHealthCheck
	"UH",    // NoHealthyUpstream
	"UT",    // UpstreamRequestTimeout
	"LR",    // LocalReset
	"UR",    // UpstreamRemoteReset
	"UF",    // UpstreamConnectionFailure
	"UC",    // UpstreamConnectionTermination
	"UO",    // UpstreamOverflow
	"NR",    // NoRouteFound
	"DI",    // DelayInjected
	"FI",    // FaultInjected
	"RL",    // RateLimited
	"UAEX",  // UnauthorizedExternalService
	"RLSE",  // RateLimitServiceError
	"DC",    // DownstreamConnectionTermination
	"URX",   // UpstreamRetryLimitExceeded
	"SI",    // StreamIdleTimeout
	"IH",    // InvalidEnvoyRequestHeaders
	"DPE",   // DownstreamProtocolError
	"UMSDR", // UpstreamMaxStreamDurationReached
	"RFCF",  // ResponseFromCacheFilter
	"NFCF",  // NoFilterConfigFound
	"DT",    // DurationTimeout
	"UPE",   // UpstreamProtocolError
	"NC",    // NoClusterFound
	"OM",    // OverloadManager
	"DF",    // DnsResolutionFailed
	"DO",    // DropOverLoad
	"DR",    // DownstreamRemoteReset
	"UDO",   // UnconditionalDropOverload
}

// formatResponseFlags renders the bit vector as Envoy's access log does
// (%RESPONSE_FLAGS%): short names joined by commas, in enum order, "-" for
// none. Bits Envoy does not define (custom flags) are left out.
func formatResponseFlags(bits uint64) string {
	if bits == 0 {
		return "-"
	}
	var b strings.Builder
	for i, name := range responseFlagNames {
		if bits&(1<<i) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(name)
	}
	if b.Len() == 0 {
		return "-"
	}
	return b.String()
}
