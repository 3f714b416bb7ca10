package main

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
)

// otlpSink is an OTLP/HTTP logs backend: it decodes every export request
// (protobuf, gzip or not) and keeps the records' attributes by request_id.
type otlpSink struct {
	*httptest.Server
	mu      sync.Mutex
	records map[string][]pcommon.Map
}

func newOTLPSink(t *testing.T) *otlpSink {
	t.Helper()
	s := &otlpSink{records: map[string][]pcommon.Map{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/logs" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		raw, err := io.ReadAll(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req := plogotlp.NewExportRequest()
		if err := req.UnmarshalProto(raw); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		for _, rl := range req.Logs().ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					id, _ := lr.Attributes().Get(attrRequestID)
					attrs := pcommon.NewMap()
					lr.Attributes().CopyTo(attrs)
					s.records[id.Str()] = append(s.records[id.Str()], attrs)
				}
			}
		}
		s.mu.Unlock()
		resp, err := plogotlp.NewExportResponse().MarshalProto()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(resp)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *otlpSink) snapshot() map[string][]pcommon.Map {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string][]pcommon.Map, len(s.records))
	for k, v := range s.records {
		out[k] = append([]pcommon.Map(nil), v...)
	}
	return out
}

// config/fanout-otlp.yaml as shipped: every record the gateway posts lands
// once in MySQL and once at the OTLP backend, with the same record uid and
// the same model, consumer and token values.
func TestFanoutOTLPBackendGetsWhatMySQLGets(t *testing.T) {
	db := mysqltest.NewDatabase(t)
	sink := newOTLPSink(t)
	t.Setenv("MYSQL_DSN", db.DSN)
	t.Setenv("OTLP_ENDPOINT", sink.URL)
	t.Setenv("WAL_DIR", t.TempDir())

	addr := freeAddr(t)
	startCollector(t, "file:../../config/fanout-otlp.yaml",
		"yaml:receivers::higresslog::endpoint: "+addr,
		"yaml:extensions::health_check::endpoint: "+freeAddr(t),
		// Flush the batches sooner than in production.
		"yaml:exporters::otlphttp::sending_queue::batch::flush_timeout: 200ms")

	const n = 20
	entries := make([]map[string]any, 0, n)
	for i := range n {
		entries = append(entries, aiEntry(fmt.Sprintf("fan-%02d", i),
			[]string{"qwen-max", "gpt-4o"}[i%2], []string{"team-a", "team-b", "team-c"}[i%3], "route-1", 10+i, 2*i))
	}
	postEntries(t, addr, "", entries...)

	var rows map[string][]accessRow
	var otlp map[string][]pcommon.Map
	require.Eventually(t, func() bool {
		rows, otlp = rowsByRequestID(t, db), sink.snapshot()
		return len(rows) == n && len(otlp) == n
	}, time.Minute, 50*time.Millisecond, "MySQL has %d, OTLP has %d of %d", len(rows), len(otlp), n)

	for _, e := range entries {
		id := e["request_id"].(string)
		require.Len(t, rows[id], 1, id)
		require.Len(t, otlp[id], 1, id)
		row, attrs := rows[id][0], otlp[id][0].AsRaw()
		assert.NotEmpty(t, row.RecordUID, id)
		assert.Equal(t, row.RecordUID, attrs[accesslog.AttrRecordUID], id)
		assert.Equal(t, e["model"], row.Model, id)
		assert.Equal(t, row.Model, attrs[accesslog.AttrModel], id)
		assert.Equal(t, row.Consumer, attrs[accesslog.AttrConsumer], id)
		assert.Equal(t, row.Input, attrs[accesslog.AttrInputTokens], id)
		assert.Equal(t, row.Output, attrs[accesslog.AttrOutputTokens], id)
		assert.Equal(t, row.Total, attrs[accesslog.AttrTotalTokens], id)
		assert.Equal(t, int64(e["total_tokens"].(int)), row.Total, id)
	}
}
