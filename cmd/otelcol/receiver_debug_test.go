package main

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// The distribution run with config/receiver-debug.yaml takes a db-log-pusher
// POST on /ingest and writes a record whose attributes carry every field.
func TestReceiverDebugConfigWritesEveryField(t *testing.T) {
	addr := freeAddr(t)
	out := filepath.Join(t.TempDir(), "records.jsonl")
	startCollector(t, "file:../../config/receiver-debug.yaml",
		"yaml:receivers::higresslog::endpoint: "+addr,
		"yaml:exporters::file::path: "+out,
		"yaml:exporters::debug::verbosity: basic")

	entry, err := os.ReadFile("../../receiver/higresslogreceiver/testdata/full_entry.json")
	require.NoError(t, err)
	resp, err := http.Post("http://"+addr+"/ingest", "application/json", bytes.NewReader(entry))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	var ld plog.Logs
	require.Eventually(t, func() bool {
		raw, err := os.ReadFile(out)
		if err != nil || len(bytes.TrimSpace(raw)) == 0 {
			return false
		}
		line, _, _ := bytes.Cut(raw, []byte("\n"))
		ld, err = (&plog.JSONUnmarshaler{}).UnmarshalLogs(line)
		return err == nil && ld.LogRecordCount() == 1
	}, time.Minute, 50*time.Millisecond)

	rl := ld.ResourceLogs().At(0)
	lr := rl.ScopeLogs().At(0).LogRecords().At(0)
	for _, f := range accesslog.Fields {
		attrs := lr.Attributes()
		if f.Scope == accesslog.Resource {
			attrs = rl.Resource().Attributes()
		}
		_, ok := attrs.Get(f.Attr)
		assert.Truef(t, ok, "field %s (attribute %s) missing from the written record", f.JSON, f.Attr)
	}
	_, ok := lr.Attributes().Get(accesslog.AttrRecordUID)
	assert.True(t, ok)
}
