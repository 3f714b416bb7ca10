package main

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm"
	"github.com/higress-group/wasm-go/pkg/log"
	"github.com/higress-group/wasm-go/pkg/wrapper"
	"github.com/tidwall/gjson"
)

// entry is one access-log entry in the JSON the collector's higresslog
// receiver takes (db-log-pusher's fields, plus entry_id and
// ai_log_truncated). test/plugin in the collector's module checks both
// ways that these names are the ones in its field table; ai_log is
// spliced in by encodeEntry.
type entry struct {
	StartTime           string `json:"start_time"`
	TraceID             string `json:"trace_id,omitempty"`
	Authority           string `json:"authority"`
	Method              string `json:"method"`
	Path                string `json:"path"`
	Protocol            string `json:"protocol"`
	RequestID           string `json:"request_id"`
	UserAgent           string `json:"user_agent,omitempty"`
	XForwardedFor       string `json:"x_forwarded_for,omitempty"`
	ResponseCode        int    `json:"response_code"`
	ResponseFlags       string `json:"response_flags"`
	ResponseCodeDetails string `json:"response_code_details,omitempty"`
	BytesReceived       int64  `json:"bytes_received"`
	BytesSent           int64  `json:"bytes_sent"`
	// Duration is Envoy's request.duration; absent when Envoy has none.
	Duration                       *int64            `json:"duration,omitempty"`
	UpstreamCluster                string            `json:"upstream_cluster,omitempty"`
	UpstreamHost                   string            `json:"upstream_host,omitempty"`
	UpstreamServiceTime            string            `json:"upstream_service_time,omitempty"`
	UpstreamTransportFailureReason string            `json:"upstream_transport_failure_reason,omitempty"`
	UpstreamLocalAddress           string            `json:"upstream_local_address,omitempty"`
	DownstreamLocalAddress         string            `json:"downstream_local_address,omitempty"`
	DownstreamRemoteAddress        string            `json:"downstream_remote_address,omitempty"`
	RouteName                      string            `json:"route_name,omitempty"`
	RequestedServerName            string            `json:"requested_server_name,omitempty"`
	AILogTruncated                 bool              `json:"ai_log_truncated,omitempty"`
	InstanceID                     string            `json:"instance_id,omitempty"`
	API                            string            `json:"api,omitempty"`
	Model                          string            `json:"model,omitempty"`
	Consumer                       string            `json:"consumer,omitempty"`
	Route                          string            `json:"route,omitempty"`
	Service                        string            `json:"service,omitempty"`
	MCPServer                      string            `json:"mcp_server,omitempty"`
	MCPTool                        string            `json:"mcp_tool,omitempty"`
	ReqHeaders                     map[string]string `json:"req_headers,omitempty"`
	RespHeaders                    map[string]string `json:"resp_headers,omitempty"`
	ReqBody                        string            `json:"req_body,omitempty"`
	ReqBodyTruncated               bool              `json:"req_body_truncated,omitempty"`
	RespBody                       string            `json:"resp_body,omitempty"`
	RespBodyTruncated              bool              `json:"resp_body_truncated,omitempty"`
	EntryID                        string            `json:"entry_id"`
}

// aiLogField is the JSON name of the ai_log field, spliced in by
// encodeEntry (the collector's field table spells it "ai_log" too).
const aiLogField = "ai_log"

// startTimeLayout is RFC 3339 in UTC with milliseconds.
const startTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// onStreamDone runs in the log phase (proxy_on_log), once per request and
// for every request whose request-headers callback ran: with or without a
// body, compressed, gRPC, websocket or a local reply. Every filter has run
// by now: Envoy registers the Wasm filter as an access-log handler too
// (source/extensions/filters/http/wasm/config.cc: addAccessLogHandler) and
// hands its log the final header maps (source/extensions/common/wasm/
// context.cc, Context::log and getConstMap), so the auth plugins' consumer
// and the router's trace headers are in them; and the ai_log other plugins
// write in their response callbacks is complete.
func onStreamDone(ctx wrapper.HttpContext, cfg pluginConfig) {
	r := stateOf(ctx)
	if r == nil || cfg.sender == nil {
		return
	}
	var resp [][2]string
	code, ok := propInt(propResponseCode)
	if !ok {
		resp, _ = proxywasm.GetHttpResponseHeaders()
		code = int64(atoiOr(last(resp, ":status"), 0))
	}
	if !r.keep && !(cfg.alwaysLogErrors && isError(int(code))) {
		metrics.add(metrics.sampledOut, 1)
		return
	}
	if resp == nil {
		resp, _ = proxywasm.GetHttpResponseHeaders()
	}
	req, _ := proxywasm.GetHttpRequestHeaders()
	e, ai := buildEntry(r, cfg, int(code), req, resp)
	b, err := encodeEntry(e, ai)
	if err != nil {
		metrics.drop(dropEncodeError, 1)
		log.Warnf("entry not encoded: %v", err)
		return
	}
	cfg.sender.add(b)
}

// buildEntry makes the entry from Envoy's attributes, the final request and
// response headers and what the request callbacks kept; ai is the entry's
// ai_log (nil: none).
func buildEntry(r *request, cfg pluginConfig, code int, req, resp [][2]string) (e *entry, ai []byte) {
	start := r.start
	if ns, ok := propInt(propRequestTime); ok {
		start = time.Unix(0, ns)
	}
	h := readRequestHeaders(req)
	flags, _ := propInt(propResponseFlags)
	e = &entry{
		StartTime:                      start.UTC().Format(startTimeLayout),
		TraceID:                        h.traceID(),
		Authority:                      or(h.originalHost, h.authority),
		Method:                         h.method,
		Path:                           or(h.originalPath, h.path),
		Protocol:                       propString(propRequestProtocol),
		RequestID:                      h.requestID,
		UserAgent:                      h.userAgent,
		XForwardedFor:                  h.forwardedFor,
		ResponseCode:                   code,
		ResponseFlags:                  formatResponseFlags(uint64(flags)),
		ResponseCodeDetails:            propString(propResponseCodeDetail),
		UpstreamHost:                   propString(propUpstreamAddress),
		UpstreamServiceTime:            last(resp, "x-envoy-upstream-service-time"),
		UpstreamTransportFailureReason: propString(propUpstreamFailure),
		UpstreamLocalAddress:           propString(propUpstreamLocal),
		DownstreamLocalAddress:         propString(propDestinationAddress),
		DownstreamRemoteAddress:        propString(propSourceAddress),
		RequestedServerName:            propString(propRequestedServer),
		InstanceID:                     or(cfg.instanceID, vm.instanceID(h.instanceID)),
		Consumer:                       vouchedConsumer(r.clientConsumer, h.consumers),
		MCPServer:                      or(propString(propMCPServerName), h.mcpServer),
		MCPTool:                        or(propString(propMCPToolName), h.mcpTool),
		EntryID:                        entryID(h.requestID, start),
	}
	e.BytesReceived, _ = propInt(propRequestSize)
	e.BytesSent, _ = propInt(propResponseSize)
	if ns, ok := propInt(propRequestDuration); ok {
		ms := ns / int64(time.Millisecond)
		e.Duration = &ms
	}
	e.UpstreamCluster = propString(propClusterName)
	e.Service = e.UpstreamCluster
	e.RouteName = propString(propRouteName)
	e.Route = e.RouteName
	e.API = apiOfRoute(e.RouteName)
	if r.keep && cfg.capturesHeaders() {
		e.ReqHeaders = cfg.pickHeaders(req)
		e.RespHeaders = cfg.pickHeaders(resp)
	}
	ai, e.AILogTruncated = readAILog(cfg.aiLogMax)
	if e.Model = r.sniff.model; e.Model == "" {
		e.Model = aiLogModel(ai)
	}
	if e.MCPTool == "" && r.sniff.method == "tools/call" {
		e.MCPTool = r.sniff.tool
	}
	e.ReqBody, e.ReqBodyTruncated = r.req.body(r.reqBodyMax)
	e.RespBody, e.RespBodyTruncated = r.resp.body(r.resp.limit)
	return e, ai
}

// encodeEntry encodes e with ai spliced in as its ai_log: valid JSON
// already, so it is copied once rather than checked and compacted again by
// encoding/json.
func encodeEntry(e *entry, ai []byte) ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil || len(ai) == 0 {
		return b, err
	}
	out := make([]byte, 0, len(b)+len(aiLogField)+len(ai)+4)
	out = append(out, b[:len(b)-1]...)
	out = append(out, `,"`+aiLogField+`":`...)
	out = append(out, ai...)
	return append(out, '}'), nil
}

// aiLogModel is ai_log's model (the model ai-statistics found in the
// response), the fallback when the request named none; "unknown" is none.
func aiLogModel(ai []byte) string {
	if len(ai) == 0 || ai[0] != '{' {
		return ""
	}
	if m := gjson.GetBytes(ai, "model").String(); m != "unknown" {
		return m
	}
	return ""
}

// vouchedConsumer is the consumer an auth plugin set: the last
// x-mse-consumer value (key-auth, basic-auth and jwt-auth add theirs with
// AddHttpRequestHeader, after any the client sent); none when the header
// is as the client sent it, which nobody vouches for.
func vouchedConsumer(client, final []string) string {
	if len(final) == 0 || slices.Equal(client, final) {
		return ""
	}
	return final[len(final)-1]
}

// apiOfRoute is the API name of a HiMarket model-API route,
// "model-api-{api}-{n}"; "" for other routes.
func apiOfRoute(route string) string {
	rest, ok := strings.CutPrefix(route, "model-api-")
	if !ok {
		return ""
	}
	if i := strings.LastIndexByte(rest, '-'); i > 0 {
		return rest[:i]
	}
	return ""
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
