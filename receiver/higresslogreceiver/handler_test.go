package higresslogreceiver

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/bearertokenauthextension"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configauth"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/extension/extensiontest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"

	"github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver/internal/metadata"
)

type extHost struct {
	component.Host
	exts map[component.ID]component.Component
}

func (h extHost) GetExtensions() map[component.ID]component.Component { return h.exts }

type running struct {
	r    *higressReceiver
	url  string
	sink *consumertest.LogsSink
	tel  *componenttest.Telemetry
}

// startReceiver runs a receiver on a free port with the given config tweak
// and consumer (a sink when next is nil).
func startReceiver(t testing.TB, tweak func(*Config), next consumer.Logs, host component.Host) running {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = "127.0.0.1:0"
	if tweak != nil {
		tweak(cfg)
	}
	sink := new(consumertest.LogsSink)
	if next == nil {
		next = sink
	}
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	set := receivertest.NewNopSettings(metadata.Type)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	r, err := newReceiver(set, cfg, next)
	require.NoError(t, err)
	if host == nil {
		host = componenttest.NewNopHost()
	}
	require.NoError(t, r.Start(context.Background(), host))
	t.Cleanup(func() { require.NoError(t, r.Shutdown(context.Background())) })
	return running{r: r, url: "http://" + r.addr.String(), sink: sink, tel: tel}
}

func post(t *testing.T, url, body string, headers ...string) (*http.Response, answer) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (*http.Response, answer) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var a answer
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		require.NoErrorf(t, json.Unmarshal(raw, &a), "body %q", raw)
	}
	return resp, a
}

func TestIngestAnswers(t *testing.T) {
	rcv := startReceiver(t, func(c *Config) { c.MaxRequestBodySize = 4096 }, nil, nil)
	entry := `{"request_id":"r1","method":"POST","path":"/v1/chat/completions","response_code":200}`

	tests := []struct {
		name        string
		path        string
		body        string
		headers     []string
		status      int
		accepted    int
		rejected    int
		errContains string
	}{
		{"one object", "/ingest", entry, []string{"Content-Type", "application/json"}, 200, 1, 0, ""},
		{"root path (plugin default)", "/", entry, nil, 200, 1, 0, ""},
		{"no content type", "/ingest", entry, nil, 200, 1, 0, ""},
		{"ndjson", "/ingest", entry + "\n" + entry + "\n", []string{"Content-Type", "application/x-ndjson"}, 200, 2, 0, ""},
		{"array", "/ingest", "[" + entry + "," + entry + "," + entry + "]", nil, 200, 3, 0, ""},
		{"partially usable", "/ingest", "[" + entry + `,"junk",7]`, nil, 200, 1, 2, ""},
		{"not JSON", "/ingest", "hello", nil, 400, 0, 1, "line 1, column 1"},
		{"nothing usable", "/ingest", `[1,2]`, nil, 400, 0, 2, "no usable entry"},
		{"empty", "/ingest", "", nil, 400, 0, 1, "empty body"},
		{"too large", "/ingest", `{"req_body":"` + strings.Repeat("x", 5000) + `"}`, nil, 413, 0, 0, "max_request_body_size"},
		{"unknown path", "/other", entry, nil, 404, 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := rcv.sink.LogRecordCount()
			resp, a := post(t, rcv.url+tt.path, tt.body, tt.headers...)
			require.Equal(t, tt.status, resp.StatusCode, "answer %+v", a)
			if tt.status == 404 {
				return
			}
			assert.Equal(t, tt.accepted, a.Accepted)
			assert.Equal(t, tt.rejected, a.Rejected)
			assert.Equal(t, tt.accepted, rcv.sink.LogRecordCount()-before)
			if tt.errContains != "" {
				assert.Contains(t, a.Error, tt.errContains)
			}
		})
	}
}

func TestPartialAnswerListsErrors(t *testing.T) {
	rcv := startReceiver(t, nil, nil, nil)
	resp, a := post(t, rcv.url+"/ingest", `[{"a":1},"x",{"b":2}]`)
	require.Equal(t, 200, resp.StatusCode)
	require.Len(t, a.Errors, 1)
	assert.Equal(t, 1, a.Errors[0].Index)
	assert.Equal(t, reasonNotObject, a.Errors[0].Reason)
}

func TestMethodNotAllowed(t *testing.T) {
	rcv := startReceiver(t, nil, nil, nil)
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		req, _ := http.NewRequest(m, rcv.url+"/ingest", nil)
		resp, _ := do(t, req)
		assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, m)
		assert.Equal(t, "POST", resp.Header.Get("Allow"))
	}
}

func TestHealth(t *testing.T) {
	rcv := startReceiver(t, nil, nil, nil)
	resp, err := http.Get(rcv.url + "/health")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	assert.Equal(t, 200, resp.StatusCode)
	assert.JSONEq(t, `{"status":"ok"}`, string(body))
}

func TestGzipBody(t *testing.T) {
	rcv := startReceiver(t, nil, nil, nil)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(readTestdata(t, "full_entry.json"))
	require.NoError(t, zw.Close())
	resp, a := post(t, rcv.url+"/ingest", buf.String(), "Content-Encoding", "gzip")
	require.Equal(t, 200, resp.StatusCode, "%+v", a)
	assert.Equal(t, 1, rcv.sink.LogRecordCount())

	resp, a = post(t, rcv.url+"/ingest", "not gzip at all", "Content-Encoding", "gzip")
	assert.Equal(t, 400, resp.StatusCode)
	assert.NotEmpty(t, a.Error)
}

func TestPipelineRefusal(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		status     int
		retryAfter string
	}{
		{"back-pressure", errors.New("data refused due to high memory usage"), 503, "1"},
		{"resource exhausted", grpcstatus.Error(codes.ResourceExhausted, "slow down"), 429, "1"},
		{"permanent", consumererror.NewPermanent(errors.New("bad data")), 500, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := startReceiver(t, nil, consumertest.NewErr(tt.err), nil)
			resp, a := post(t, rcv.url+"/ingest", `[{"a":1},{"a":2}]`)
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Equal(t, tt.retryAfter, resp.Header.Get("Retry-After"))
			assert.Equal(t, 0, a.Accepted)
			assert.Equal(t, 2, a.Rejected)
			assert.Contains(t, a.Error, tt.err.Error())

			refused := sumMetric(t, rcv.tel, "otelcol_receiver_refused_log_records")
			assert.Equal(t, int64(2), refused)
		})
	}
}

func TestBearerTokenAuth(t *testing.T) {
	extFactory := bearertokenauthextension.NewFactory()
	extCfg := extFactory.CreateDefaultConfig().(*bearertokenauthextension.Config)
	extCfg.BearerToken = configopaque.String("s3cret")
	extID := component.MustNewID("bearertokenauth")
	ext, err := extFactory.Create(context.Background(), extensiontest.NewNopSettings(extFactory.Type()), extCfg)
	require.NoError(t, err)
	require.NoError(t, ext.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { _ = ext.Shutdown(context.Background()) })
	host := extHost{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{extID: ext}}

	rcv := startReceiver(t, func(c *Config) {
		c.Auth = configoptional.Some(confighttp.AuthConfig{Config: configauth.Config{AuthenticatorID: extID}})
	}, nil, host)

	entry := `{"request_id":"r1"}`
	resp, _ := post(t, rcv.url+"/ingest", entry)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "missing token")
	resp, _ = post(t, rcv.url+"/ingest", entry, "Authorization", "Bearer wrong")
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "wrong token")
	assert.Equal(t, 0, rcv.sink.LogRecordCount())

	resp, a := post(t, rcv.url+"/ingest", entry, "Authorization", "Bearer s3cret")
	assert.Equal(t, http.StatusOK, resp.StatusCode, "%+v", a)
	assert.Equal(t, 1, rcv.sink.LogRecordCount())

	// Probes carry no token: health stays open.
	hr, err := http.Get(rcv.url + "/health")
	require.NoError(t, err)
	hr.Body.Close()
	assert.Equal(t, http.StatusOK, hr.StatusCode)
}

func TestObsreportAndRejectedMetrics(t *testing.T) {
	rcv := startReceiver(t, nil, nil, nil)
	post(t, rcv.url+"/ingest", `[{"a":1},"x",3,{"b":2}]`)
	post(t, rcv.url+"/ingest", `garbage`)

	assert.Equal(t, int64(2), sumMetric(t, rcv.tel, "otelcol_receiver_accepted_log_records"))
	m, err := rcv.tel.GetMetric("otelcol_receiver_higresslog_rejected_entries")
	require.NoError(t, err)
	byReason := map[string]int64{}
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		r, _ := dp.Attributes.Value("reason")
		byReason[r.AsString()] += dp.Value
	}
	assert.Equal(t, map[string]int64{reasonNotObject: 2, reasonInvalidJSON: 1}, byReason)
}

func TestShutdownWaitsForInFlight(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	next := consumerFunc(func(context.Context, plog.Logs) error {
		close(entered)
		<-release
		return nil
	})
	cfg := createDefaultConfig().(*Config)
	cfg.NetAddr.Endpoint = "127.0.0.1:0"
	r, err := newReceiver(receivertest.NewNopSettings(metadata.Type), cfg, next)
	require.NoError(t, err)
	require.NoError(t, r.Start(context.Background(), componenttest.NewNopHost()))

	status := make(chan int, 1)
	go func() {
		resp, err := http.Post("http://"+r.addr.String()+"/ingest", "application/json", strings.NewReader(`{"a":1}`))
		if err != nil {
			status <- -1
			return
		}
		resp.Body.Close()
		status <- resp.StatusCode
	}()
	<-entered
	shut := make(chan error, 1)
	go func() { shut <- r.Shutdown(context.Background()) }()
	close(release)
	assert.Equal(t, 200, <-status, "an entry being handed over when shutdown starts is still answered")
	require.NoError(t, <-shut)
}

type consumerFunc func(context.Context, plog.Logs) error

func (f consumerFunc) ConsumeLogs(ctx context.Context, ld plog.Logs) error { return f(ctx, ld) }
func (consumerFunc) Capabilities() consumer.Capabilities                   { return consumer.Capabilities{} }

func sumMetric(t *testing.T, tel *componenttest.Telemetry, name string) int64 {
	t.Helper()
	m, err := tel.GetMetric(name)
	require.NoError(t, err)
	var total int64
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		total += dp.Value
	}
	return total
}
