package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests in this file model the real filter chain of a Higress gateway:
// what later filters, Envoy and Istio do around the plugin, each confirmed
// from their sources (named where it is modelled).

// chainCall is a request on an LLM route, answered 200.
func chainCall(id string) call {
	return call{id: id, method: "POST", path: "/v1/chat/completions", status: 200,
		attrs: map[string]any{"response.code": 200, "route_name": "model-api-chat-0", "cluster_name": "outbound|443||llm.dns"}}
}

// Higress's auth plugins run after this plugin (they are AUTHN with
// priorities 310-320; the plugin is AUTHN 1010, first) and add the consumer
// with proxywasm.AddHttpRequestHeader("X-Mse-Consumer", name)
// (alibaba/higress plugins/wasm-go/extensions/key-auth/main.go,
// basic-auth/main.go, jwt-auth/handler/verify.go). Envoy appends the added
// header after any the client sent (context.cc addHeaderMapValue: addCopy).
// The entry has the auth plugin's value; a value only the client sent is
// not a consumer.
func TestConsumerIsTheAuthPluginsEvenAfterAClientSentOne(t *testing.T) {
	inBothModes(t, func(t *testing.T) {
		g := newGateway(t, dropInConfig())
		added := chainCall("auth-added")
		added.laterRequestHeaders = [][2]string{{"x-mse-consumer", "team-a"}}
		g.do(added)

		forged := chainCall("client-first")
		forged.reqHeaders = [][2]string{{"x-mse-consumer", "team-forged"}}
		forged.laterRequestHeaders = [][2]string{{"x-mse-consumer", "team-a"}}
		g.do(forged)

		unauthenticated := chainCall("client-only")
		unauthenticated.reqHeaders = [][2]string{{"x-mse-consumer", "team-forged"}}
		g.do(unauthenticated)

		es := byID(entries(g.flush()))
		assert.Equal(t, "team-a", es["auth-added"]["consumer"])
		assert.Equal(t, "team-a", es["client-first"]["consumer"], "the last value: the auth plugin's")
		assert.NotContains(t, es["client-only"], "consumer", "nobody vouched for the client's header")
	})
}

// Headers set after the plugin's request callback are in the entry: the
// router's trace context, and a header a later plugin adds for the MCP tool
// (jsonrpc-converter sets x-envoy-mcp-tool-name); captured headers show
// the final request.
func TestHeadersSetLaterInTheChainAreLogged(t *testing.T) {
	inBothModes(t, func(t *testing.T) {
		g := newGateway(t, withConfig(map[string]any{"capture_headers": []string{"x-mse-consumer", "traceparent"}}))
		c := chainCall("later")
		c.reqHeaders = [][2]string{{"x-mse-consumer", "team-forged"}}
		c.laterRequestHeaders = [][2]string{
			{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
			{"x-envoy-mcp-tool-name", "search"},
			{"x-mse-consumer", "team-a"},
		}
		g.do(c)
		e := entries(g.flush())[0]
		assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", e["trace_id"])
		assert.Equal(t, "search", e["mcp_tool"])
		assert.Equal(t, map[string]any{"x-mse-consumer": "team-a",
			"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}, e["req_headers"])
	})
}

// The official openai-python client writes "messages" before "model": a
// 20 KB chat request with the model last, in 3 chunks, has its model.
func TestModelOfALongChatRequest(t *testing.T) {
	inBothModes(t, func(t *testing.T) {
		g := newGateway(t, dropInConfig())
		body := openAIChat(20 << 10)
		c := chainCall("long-prompt")
		c.reqHeaders = [][2]string{{"content-type", "application/json"}}
		third := len(body) / 3
		c.reqBody = [][]byte{body[:third], body[third : 2*third], body[2*third:]}
		g.do(c)

		// A body the plugin cannot read (compressed: wasm-go does not hand it
		// over) takes ai-statistics' model.
		gz := chainCall("compressed")
		gz.reqHeaders = [][2]string{{"content-type", "application/json"}, {"content-encoding", "gzip"}}
		gz.reqBody = [][]byte{{0x1f, 0x8b, 0x08}}
		gz.beforeLog = func() { g.writeAILog(map[string]any{"api": "-", "model": "qwen-plus", "input_token": 3}) }
		g.do(gz)

		unknown := chainCall("unknown-model")
		unknown.beforeLog = func() { g.writeAILog(map[string]any{"api": "-", "model": "unknown"}) }
		g.do(unknown)

		es := byID(entries(g.flush()))
		assert.Equal(t, "qwen-max", es["long-prompt"]["model"])
		assert.Equal(t, "qwen-plus", es["compressed"]["model"])
		assert.NotContains(t, es["unknown-model"], "model")
	})
}

// Istio puts the pod's name in node.metadata.NAME (istio pkg/model/proxy.go:
// InstanceName `json:"NAME"`, "replaces POD_NAME"), set by pkg/bootstrap from
// the POD_NAME variable Higress's gateway pod has (helm/core/templates/_pod.tpl);
// nothing sets node.metadata.POD_NAME there. db-log-pusher's fallbacks
// follow: POD_NAME, the x-instance-id header, node.id.
func TestInstanceIDFromTheNodeName(t *testing.T) {
	instance := func(t *testing.T, attrs map[string]any, header string) any {
		g := newGateway(t, dropInConfig())
		c := chainCall("instance")
		for k, v := range attrs {
			c.attrs[k] = v
		}
		if header != "" {
			c.reqHeaders = [][2]string{{"x-instance-id", header}}
		}
		g.do(c)
		return entries(g.flush())[0]["instance_id"]
	}
	inBothModes(t, func(t *testing.T) {
		assert.Equal(t, "higress-gateway-7d9f-abcde", instance(t,
			map[string]any{"node.metadata.NAME": "higress-gateway-7d9f-abcde", "node.id": "router~10.0.0.1~x~y"}, "x"))
	})
	// The node is read once per VM: a new VM (Go mode) per fallback.
	// (one test host at a time: each in its own subtest).
	inGoMode(t, func(t *testing.T) {
		for name, tc := range map[string]struct {
			attrs          map[string]any
			header, expect string
		}{
			"POD_NAME": {map[string]any{"node.metadata.POD_NAME": "gw-pod"}, "", "gw-pod"},
			"header":   {map[string]any{"node.id": "router~10.0.0.1~x~y"}, "gw-from-header", "gw-from-header"},
			"node id":  {map[string]any{"node.id": "router~10.0.0.1~x~y"}, "", "router~10.0.0.1~x~y"},
		} {
			t.Run(name, func(t *testing.T) { assert.Equal(t, tc.expect, instance(t, tc.attrs, tc.header)) })
		}
	})
}

// On a toolset route the client calls "server___tool"; Higress's MCP server
// sets the filter state of the server and the tool that really ran
// (higress-group/wasm-go pkg/mcp/server/plugin.go and proxy_tool.go:
// SetProperty mcp_server_name / mcp_tool_name). Both win over the headers and
// the request body.
func TestMCPServerAndToolFromTheFilterState(t *testing.T) {
	inBothModes(t, func(t *testing.T) {
		g := newGateway(t, dropInConfig())
		c := call{id: "toolset", method: "POST", path: "/mcp-servers/toolset/mcp", status: 200,
			reqHeaders: [][2]string{{"content-type", "application/json"}, {"x-envoy-mcp-server-name", "toolset"}},
			reqBody: [][]byte{[]byte(`{"jsonrpc":"2.0","id":3,"method":"tools/call",` +
				`"params":{"name":"weather___get_forecast","arguments":{"city":"Hangzhou"}}}`)},
			attrs: map[string]any{"response.code": 200, "route_name": "mcp-toolset",
				"mcp_server_name": "weather", "mcp_tool_name": "get_forecast"}}
		g.do(c)

		// Without the filter state (another MCP setup), the request body's
		// tool, found wherever it is.
		plain := call{id: "plain", method: "POST", path: "/mcp", status: 200,
			reqHeaders: [][2]string{{"content-type", "application/json"}},
			reqBody: [][]byte{[]byte(`{"params":{"arguments":{"q":"` + strings.Repeat("x", 8<<10) + `"},`),
				[]byte(`"name":"search"},"method":"tools/call","jsonrpc":"2.0","id":4}`)},
			attrs: map[string]any{"response.code": 200}}
		g.do(plain)

		es := byID(entries(g.flush()))
		assert.Equal(t, "weather", es["toolset"]["mcp_server"])
		assert.Equal(t, "get_forecast", es["toolset"]["mcp_tool"])
		assert.Equal(t, "search", es["plain"]["mcp_tool"])
	})
}

// Envoy refuses a call to a cluster it does not have with BadArgument
// (context.cc Context::httpCall: getThreadLocalCluster == nullptr), which
// on a Higress installed with its defaults is every Service no route points
// to (helm/core/values.yaml global.onlyPushRouteCluster: true; higress issues
// #1812, #2666). One error names the cause and the fix, every refusal is
// counted, and sending resumes once the cluster exists.
//
// Go mode only: the test host's emulator accepts every call
// (proxytest root.go ProxyHttpCall returns StatusOK) and cannot be replaced
// from outside the SDK, so the refusal is injected at the plugin's call.
func TestRefusedDispatchIsOneClearErrorAndCounted(t *testing.T) {
	inGoMode(t, func(t *testing.T) {
		g := newGateway(t, withConfig(map[string]any{"flush_interval_ms": 100, "max_retries": 2}))
		refuse := true
		dispatchHTTPCall = func(cluster string, headers [][2]string, body []byte, trailers [][2]string,
			timeout uint32, cb func(int, int, int)) (uint32, error) {
			if refuse {
				return 0, types.ErrorStatusBadArgument
			}
			return realDispatch(cluster, headers, body, trailers, timeout, cb)
		}
		t.Cleanup(func() { dispatchHTTPCall = realDispatch })

		for i := range 30 {
			g.do(chainCall(fmt.Sprintf("refused-%d", i)))
			g.ticks(3, func(int) int { return 200 })
		}
		errs := g.host.GetErrorLogs()
		require.Len(t, errs, 1, "one error, not one per request or batch")
		for _, want := range []string{"outbound|80||" + collectorService, "onlyPushRouteCluster", "higress.clusterRoute.enabled", "dispatch_refused"} {
			assert.Contains(t, errs[0], want)
		}
		assert.Empty(t, g.host.GetWarnLogs(), "no other line per batch")
		refused := g.counter("dispatch_refused")
		assert.GreaterOrEqual(t, refused, uint64(30))
		assert.Equal(t, refused, g.counter("flushes_failed"))
		assert.Positive(t, g.counter("entries_dropped_retries_exhausted"))

		refuse = false
		g.do(chainCall("after-fix"))
		posts := g.ticks(30, func(int) int { return 200 })
		require.NotEmpty(t, posts)
		assert.Contains(t, byID(entries(posts)), "after-fix")
		assert.Len(t, g.host.GetErrorLogs(), 1)
	})
}

var realDispatch = dispatchHTTPCall

// An ai_log of 12 MB (ai-statistics keeps values up to 10 MB with
// use_default_attributes) gives an entry of at most ai_log_max_bytes of
// ai_log, its usage whole, marked ai_log_truncated; the log phase
// allocates about that, not the 12 MB again (Go mode measures it).
func TestAILogOf12MBGivesACappedEntry(t *testing.T) {
	inBothModes(t, func(t *testing.T) {
		const max = 64 << 10
		g := newGateway(t, withConfig(map[string]any{"ai_log_max_bytes": max}))
		attrs := llmUsage()
		attrs["question"] = strings.Repeat("What is a gateway? ", 6<<20/19)
		attrs["answer"] = strings.Repeat("A gateway routes and logs. ", 6<<20/27)
		raw := aiStatisticsLog(t, attrs)
		require.Greater(t, len(raw), 12<<20)
		var allocated uint64
		c := chainCall("big-ai-log")
		c.beforeLog = func() { require.NoError(t, g.host.SetProperty([]string{"ai_log"}, raw)) }
		c.logAllocated = &allocated
		g.do(c)
		posts := g.flush()
		require.Len(t, posts, 1)
		e := posts[0].entries[0]
		assert.Equal(t, true, e["ai_log_truncated"])
		ai := e["ai_log"].(map[string]any)
		assert.Equal(t, 1545.0, ai["total_token"])
		assert.Equal(t, "qwen-max-latest", ai["model"])
		assert.Less(t, len(posts[0].json), max+4<<10, "the entry is about ai_log_max_bytes")
		if strings.HasSuffix(t.Name(), "/go") {
			assert.Less(t, allocated, uint64(8*max), "the log phase allocates about the capped entry")
		}
	})
}

// The shipped manifest gives the plugin a global configuration, so wasm-go
// runs it on every request: one without a route (404 route_not_found) is
// logged. With defaultConfigDisable and match rules only, wasm-go finds no
// configuration for such a request and skips every callback (wasm-go
// pkg/matcher/rule_matcher.go GetMatchConfig: no rule matches and no global
// config → nil; pkg/wrapper OnHttpStreamDone returns when config is nil).
func TestRequestsWithoutARouteAreLoggedWithTheGlobalConfig(t *testing.T) {
	notFound := call{id: "no-route", method: "GET", path: "/nope", status: 404,
		attrs: map[string]any{"response.code": 404, "response.code_details": "route_not_found", "response.flags": int64(0x100)}}
	inBothModes(t, func(t *testing.T) {
		g := newGateway(t, higressPluginConfig(t, shippedManifest(t)))
		g.do(notFound)
		routed := chainCall("routed")
		routed.attrs["route_name"] = "any-route"
		g.do(routed)
		es := byID(entries(g.flush()))
		require.Contains(t, es, "no-route")
		assert.Equal(t, "route_not_found", es["no-route"]["response_code_details"])
		assert.Contains(t, es, "routed", "every route, unless narrowed")
	})
	inGoMode(t, func(t *testing.T) {
		rule := dropInConfig()
		rule["_match_route_"] = []string{"model-api-qwen3-plus-0"}
		g := newGateway(t, map[string]any{"_rules_": []any{rule}})
		g.do(notFound)
		assert.Empty(t, g.flush(), "db-log-pusher's manifest: a request without a route is not logged")
	})
}
