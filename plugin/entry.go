package main

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm"
	"github.com/higress-group/wasm-go/pkg/log"
	"github.com/higress-group/wasm-go/pkg/wrapper"
	"github.com/tidwall/gjson"
)

// entry is one access-log entry in the JSON the collector's higresslog
// receiver takes (db-log-pusher's fields). A test in the collector's module
// fails when a name here is not in its field table.
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
	AILog                          json.RawMessage   `json:"ai_log,omitempty"`
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
}

// startTimeLayout is RFC 3339 in UTC with milliseconds.
const startTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// onStreamDone runs in the log phase (proxy_on_log), once per request and
// for every request: with or without a body, compressed, gRPC, websocket or
// a local reply. Every filter's response callbacks have run by now, so the
// ai_log other plugins write there is complete.
func onStreamDone(ctx wrapper.HttpContext, cfg pluginConfig) {
	r := stateOf(ctx)
	if r == nil || cfg.sender == nil {
		return
	}
	code := r.status
	if v, ok := propInt(propResponseCode); ok {
		code = int(v)
	}
	if !r.keep && !(cfg.alwaysLogErrors && isError(code)) {
		metrics.add(metrics.sampledOut, 1)
		return
	}
	e := buildEntry(r, cfg, code)
	b, err := json.Marshal(e)
	if err != nil {
		metrics.drop(dropEncodeError, 1)
		log.Warnf("entry not encoded: %v", err)
		return
	}
	cfg.sender.add(b)
}

func buildEntry(r *request, cfg pluginConfig, code int) *entry {
	start := r.start
	if ns, ok := propInt(propRequestTime); ok {
		start = time.Unix(0, ns)
	}
	flags, _ := propInt(propResponseFlags)
	e := &entry{
		StartTime:                      start.UTC().Format(startTimeLayout),
		TraceID:                        r.traceID,
		Authority:                      r.authority,
		Method:                         r.method,
		Path:                           r.path,
		Protocol:                       propString(propRequestProtocol),
		RequestID:                      r.requestID,
		UserAgent:                      r.userAgent,
		XForwardedFor:                  r.forwardedFor,
		ResponseCode:                   code,
		ResponseFlags:                  formatResponseFlags(uint64(flags)),
		ResponseCodeDetails:            propString(propResponseCodeDetail),
		UpstreamHost:                   propString(propUpstreamAddress),
		UpstreamServiceTime:            r.upstreamServiceTime,
		UpstreamTransportFailureReason: propString(propUpstreamFailure),
		UpstreamLocalAddress:           propString(propUpstreamLocal),
		DownstreamLocalAddress:         propString(propDestinationAddress),
		DownstreamRemoteAddress:        propString(propSourceAddress),
		RequestedServerName:            propString(propRequestedServer),
		AILog:                          aiLog(),
		InstanceID:                     cfg.instanceID,
		Consumer:                       r.consumer,
		MCPServer:                      r.mcpServer,
		MCPTool:                        r.mcpTool,
		ReqHeaders:                     r.reqHeaders,
		RespHeaders:                    r.respHeaders,
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
	if e.InstanceID == "" {
		e.InstanceID = propString(propPodName)
	}
	if e.MCPServer == "" {
		e.MCPServer = propString(propMCPServerName)
	}
	if len(r.req.buf) > 0 {
		e.Model = gjson.GetBytes(r.req.buf, "model").String()
		if e.MCPTool == "" && gjson.GetBytes(r.req.buf, "method").String() == "tools/call" {
			e.MCPTool = gjson.GetBytes(r.req.buf, "params.name").String()
		}
	}
	e.ReqBody, e.ReqBodyTruncated = r.req.body(r.reqBodyMax)
	e.RespBody, e.RespBodyTruncated = r.resp.body(r.resp.limit)
	return e
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

// aiLog is the ai_log filter state other plugins (ai-statistics) write:
// an object JSON-escaped to sit inside a quoted access-log field. It is
// sent as the object; anything that does not parse is sent as a string,
// which the collector keeps as sent.
func aiLog() json.RawMessage {
	raw, err := proxywasm.GetProperty(propAILog)
	if err != nil || len(raw) == 0 {
		return nil
	}
	quoted := make([]byte, 0, len(raw)+2)
	quoted = append(append(append(quoted, '"'), raw...), '"')
	var unescaped string
	if json.Unmarshal(quoted, &unescaped) == nil && json.Valid([]byte(unescaped)) {
		return json.RawMessage(unescaped)
	}
	if json.Valid(raw) {
		return json.RawMessage(string(raw))
	}
	s, _ := json.Marshal(string(raw))
	return s
}
