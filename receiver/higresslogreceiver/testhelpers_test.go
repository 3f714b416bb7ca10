package higresslogreceiver

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
)

var testNow = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

// mustBuild decodes a body the way the HTTP handler does.
func mustBuild(t testing.TB, body string) (plog.Logs, []entryError) {
	t.Helper()
	ld, rep, err := buildLogs([]byte(body), arrival{at: testNow}, defaultServiceName, defaultMaxExtraFields)
	require.NoError(t, err)
	return ld, rep.problems
}

// records flattens all log records of ld, in order.
func records(ld plog.Logs) []plog.LogRecord {
	var out []plog.LogRecord
	for i := 0; i < ld.ResourceLogs().Len(); i++ {
		sls := ld.ResourceLogs().At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			lrs := sls.At(j).LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				out = append(out, lrs.At(k))
			}
		}
	}
	return out
}

// onlyRecord decodes a single-entry body and returns its record.
func onlyRecord(t testing.TB, body string) plog.LogRecord {
	t.Helper()
	ld, problems := mustBuild(t, body)
	require.Empty(t, problems)
	recs := records(ld)
	require.Len(t, recs, 1)
	return recs[0]
}

func attr(t testing.TB, lr plog.LogRecord, key string) pcommon.Value {
	t.Helper()
	v, ok := lr.Attributes().Get(key)
	require.Truef(t, ok, "attribute %q missing; have %v", key, lr.Attributes().AsRaw())
	return v
}
