package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/higress-group/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/higress-group/wasm-go/pkg/test"
	"github.com/stretchr/testify/require"
)

// The tests run the plugin in wasm-go's test host: in Go mode (the plugin's
// code called directly) and, for the main scenarios, in Wasm mode (the
// built plugin.wasm in wazero). PLUGIN_WASM names the .wasm to run (make
// test passes bin/plugin.wasm, built by make plugin); without it TestMain
// builds one, so a test run never uses a stale binary nor skips Wasm mode.

var (
	update   = flag.Bool("update", false, "rewrite testdata/posts.jsonl from the main scenario")
	wasmPath string
)

func TestMain(m *testing.M) {
	flag.Parse()
	// The host emulator logs every call (and every POST body) through the
	// standard logger; the tests read what they need from the host.
	log.SetOutput(io.Discard)
	wasmPath = os.Getenv("PLUGIN_WASM")
	cleanup := func() {}
	if wasmPath == "" {
		dir, err := os.MkdirTemp("", "plugin-wasm-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		cleanup = func() { os.RemoveAll(dir) }
		wasmPath = filepath.Join(dir, "plugin.wasm")
		cmd := exec.Command("go", "build", "-buildmode=c-shared", "-trimpath", "-o", wasmPath, ".")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "building plugin.wasm: %v\n%s", err, out)
			cleanup()
			os.Exit(1)
		}
	}
	if _, err := os.Stat(wasmPath); err != nil {
		fmt.Fprintf(os.Stderr, "PLUGIN_WASM: %v\n", err)
		os.Exit(1)
	}
	code := m.Run()
	cleanup()
	os.Exit(code)
}

// inBothModes runs f in Go mode and in Wasm mode.
func inBothModes(t *testing.T, f func(t *testing.T)) { test.RunTestWithPath(t, wasmPath, f) }

// inGoMode runs f in Go mode only.
func inGoMode(t *testing.T, f func(t *testing.T)) { test.RunGoTest(t, f) }

// gateway is one worker VM with the plugin, driven like Envoy drives it.
type gateway struct {
	t    *testing.T
	host test.TestHost
}

const collectorService = "log-collector.higress-system.svc.cluster.local"

// dropInConfig is db-log-pusher's configuration, unchanged.
func dropInConfig() map[string]any {
	return map[string]any{
		"log_level":              "info",
		"collector_service_name": collectorService,
		"collector_port":         80,
		"collector_path":         "/ingest",
	}
}

func withConfig(extra map[string]any) map[string]any {
	c := dropInConfig()
	for k, v := range extra {
		c[k] = v
	}
	return c
}

func newGateway(t *testing.T, cfg map[string]any) *gateway {
	t.Helper()
	// Go mode shares the package's state between tests; a Wasm VM is new.
	vm, metrics = newVMState(), counters{}
	raw, err := json.Marshal(cfg)
	require.NoError(t, err)
	host, status := test.NewTestHost(raw)
	require.Equal(t, types.OnPluginStartStatusOK, status)
	t.Cleanup(host.Reset)
	return &gateway{t: t, host: host}
}

// call is one request as Envoy shows it to the plugin.
type call struct {
	id                      string
	method, path, authority string
	reqHeaders              [][2]string
	reqBody                 [][]byte // chunks; nil: the request headers end the stream
	status                  int      // response :status; 0: no response headers at all
	respHeaders             [][2]string
	respBody                [][]byte // chunks; nil: the response headers end the stream
	// laterRequestHeaders are added to the request headers after the
	// plugin's request-headers callback, as filters later in the chain do
	// (an auth plugin's x-mse-consumer, the router's trace headers): each
	// appended as a separate header, as Envoy's AddHttpRequestHeader does
	// (source/extensions/common/wasm/context.cc addHeaderMapValue: addCopy).
	laterRequestHeaders [][2]string
	// attrs are Envoy's attributes (int64 or string) as the log phase sees them.
	attrs map[string]any
	// afterResponseChunk runs after the plugin saw response chunk i: another
	// filter earlier in the chain sees it after this plugin.
	afterResponseChunk func(i int)
	// beforeLog runs after the last response callback, before the log phase.
	beforeLog func()
	// logAllocated, when set, receives the bytes allocated in the log
	// phase (meaningful in Go mode, where the plugin runs in this process).
	logAllocated *uint64
}

// do runs one request through the plugin and returns the actions it
// returned for each response body chunk.
func (g *gateway) do(c call) []types.Action {
	t := g.t
	t.Helper()
	g.resetAttributes()
	for k, v := range c.attrs {
		g.setAttribute(k, v)
	}
	hs := [][2]string{{":method", or(c.method, "GET")}, {":path", or(c.path, "/")}, {":authority", or(c.authority, "api.example.com")}, {"x-request-id", c.id}}
	hs = append(hs, c.reqHeaders...)
	require.Equal(t, types.ActionContinue, g.host.CallOnHttpRequestHeaders(hs, test.WithEndOfStream(c.reqBody == nil)), c.id)
	if len(c.laterRequestHeaders) > 0 {
		final := append(slices.Clone(g.host.GetRequestHeaders()), c.laterRequestHeaders...)
		g.host.SetHttpRequestHeaders(g.contextID(), final)
	}
	for i, chunk := range c.reqBody {
		require.Equal(t, types.ActionContinue, g.host.CallOnHttpStreamingRequestBody(chunk, i == len(c.reqBody)-1), c.id)
		require.Equal(t, chunk, g.host.GetRequestBody(), "%s: request chunk %d changed", c.id, i)
	}
	var actions []types.Action
	if c.status > 0 {
		rh := append([][2]string{{":status", fmt.Sprint(c.status)}}, c.respHeaders...)
		require.Equal(t, types.ActionContinue, g.host.CallOnHttpResponseHeaders(rh, test.WithEndOfStream(c.respBody == nil)), c.id)
		for i, chunk := range c.respBody {
			actions = append(actions, g.host.CallOnHttpStreamingResponseBody(chunk, i == len(c.respBody)-1))
			require.Equal(t, chunk, g.host.GetResponseBody(), "%s: response chunk %d changed", c.id, i)
			if c.afterResponseChunk != nil {
				c.afterResponseChunk(i)
			}
		}
	}
	if c.beforeLog != nil {
		c.beforeLog()
	}
	var before, after runtime.MemStats
	if c.logAllocated != nil {
		runtime.ReadMemStats(&before)
	}
	g.host.CompleteHttp()
	if c.logAllocated != nil {
		runtime.ReadMemStats(&after)
		*c.logAllocated = after.TotalAlloc - before.TotalAlloc
	}
	return actions
}

// setAttribute sets an Envoy attribute by its dotted name: int64 as Envoy
// serializes integers, durations and timestamps (8 bytes little-endian),
// strings as bytes.
func (g *gateway) setAttribute(name string, v any) {
	var data []byte
	switch v := v.(type) {
	case int64:
		data = binary.LittleEndian.AppendUint64(nil, uint64(v))
	case int:
		data = binary.LittleEndian.AppendUint64(nil, uint64(v))
	case string:
		data = []byte(v)
	default:
		g.t.Fatalf("attribute %s: unsupported %T", name, v)
	}
	require.NoError(g.t, g.host.SetProperty(strings.Split(name, "."), data))
}

// writeAILog sets the ai_log filter state as ai-statistics writes it
// (aiStatisticsLog).
func (g *gateway) writeAILog(obj map[string]any) {
	require.NoError(g.t, g.host.SetProperty([]string{"ai_log"}, aiStatisticsLog(g.t, obj)))
}

// contextID is the HTTP context of the request in progress (the test host
// keeps it unexported; test-only reflection).
func (g *gateway) contextID() uint32 {
	return uint32(reflect.ValueOf(g.host).Elem().FieldByName("currentContextID").Uint())
}

// resetAttributes removes every attribute, so that one request's upstream
// address or flags do not leak into the next. The emulator has no call for
// it; its attribute map is reached by reflection (test-only).
func (g *gateway) resetAttributes() {
	emu := reflect.ValueOf(g.host).Elem().FieldByName("HostEmulator").Elem().Elem()
	f := emu.FieldByName("properties")
	m := reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
	m.Set(reflect.MakeMap(f.Type()))
}

// post is one HTTP call the plugin made to the collector.
type post struct {
	upstream string
	headers  [][2]string
	body     []byte // as sent
	json     []byte // decompressed
	entries  []map[string]any
}

func (p post) header(name string) string {
	v, _ := test.GetHeaderValue(p.headers, name)
	return v
}

// pending returns the calls the plugin made from its root context that are
// not answered yet.
func (g *gateway) pending() []proxytest.HttpCalloutAttribute {
	return g.host.GetCalloutAttributesFromContext(proxytest.PluginContextID)
}

// answer answers call id with status (0: no answer headers, as Envoy
// answers a call that timed out).
func (g *gateway) answer(id uint32, status int) {
	var hs [][2]string
	if status > 0 {
		hs = [][2]string{{":status", fmt.Sprint(status)}}
	}
	g.host.CallOnHttpCallResponse(id, hs, nil, []byte(`{"accepted":1,"rejected":0}`))
}

func (g *gateway) decode(c proxytest.HttpCalloutAttribute) post {
	// In Wasm mode the emulator's callout headers point into the VM's
	// memory, which the plugin reuses once the call is made (Envoy copies
	// them): copied at once.
	headers := make([][2]string, len(c.Headers))
	for i, h := range c.Headers {
		headers[i] = [2]string{strings.Clone(h[0]), strings.Clone(h[1])}
	}
	p := post{upstream: strings.Clone(c.Upstream), headers: headers, body: c.Body, json: c.Body}
	if p.header("content-encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(c.Body))
		require.NoError(g.t, err)
		p.json, err = io.ReadAll(zr)
		require.NoError(g.t, err)
	}
	require.NoError(g.t, json.Unmarshal(p.json, &p.entries), "POST body is not a JSON array of objects: %s", p.json)
	return p
}

// ticks advances the host timer n times, answering every call the plugin
// makes with answer(i) for the i-th call of this run; it returns the calls.
func (g *gateway) ticks(n int, answer func(i int) int) []post {
	var posts []post
	respond := func() {
		for {
			calls := g.pending()
			if len(calls) == 0 {
				return
			}
			c := calls[0]
			posts = append(posts, g.decode(c))
			g.answer(c.CalloutID, answer(len(posts)-1))
		}
	}
	for range n {
		g.host.Tick()
		respond()
	}
	return posts
}

// flush sends everything buffered to a collector that accepts it.
func (g *gateway) flush() []post {
	return g.ticks(2*defaultFlushIntervalMs/tickMillis, func(int) int { return 200 })
}

func (g *gateway) counter(name string) uint64 {
	v, err := g.host.GetCounterMetric(metricPrefix + name)
	require.NoError(g.t, err)
	return v
}

func (g *gateway) gauge(name string) uint64 {
	v, err := g.host.GetGaugeMetric(metricPrefix + name)
	require.NoError(g.t, err)
	return v
}

// entries flattens the posts' entries.
func entries(posts []post) []map[string]any {
	var out []map[string]any
	for _, p := range posts {
		out = append(out, p.entries...)
	}
	return out
}

func byID(es []map[string]any) map[string]map[string]any {
	m := map[string]map[string]any{}
	for _, e := range es {
		m[e["request_id"].(string)] = e
	}
	return m
}

// logs is everything the plugin logged, at every level.
func (g *gateway) logs() string {
	var all []string
	for _, l := range [][]string{g.host.GetTraceLogs(), g.host.GetDebugLogs(), g.host.GetInfoLogs(), g.host.GetWarnLogs(), g.host.GetErrorLogs(), g.host.GetCriticalLogs()} {
		all = append(all, l...)
	}
	return strings.Join(all, "\n")
}
