package higresslogreceiver

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/otelcol-higress/otelcol-higress/internal/cpubench"
)

// BenchmarkBuildLogs measures decoding db-log-pusher bodies into records:
// one full entry (today's plugin) and an array of 100.
func BenchmarkBuildLogs(b *testing.B) {
	for _, bc := range benchBodies(b) {
		b.Run(bc.name, func(b *testing.B) {
			benchBuild(b, bc.body, bc.entries)
		})
	}
}

// BenchmarkExtraFields is one entry carrying n unknown top-level fields:
// the cost per field must not grow with n.
func BenchmarkExtraFields(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		limit := n // every field kept: the cost of keeping them is measured
		var body strings.Builder
		body.WriteString(`{"request_id":"x"`)
		for i := range n {
			fmt.Fprintf(&body, `,"extra_field_%06d":"value %d"`, i, i)
		}
		body.WriteString("}")
		b.Run(fmt.Sprintf("fields=%d", n), func(b *testing.B) {
			benchBuildKeep(b, []byte(body.String()), 1, limit)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/field")
		})
	}
}

func benchBuild(b *testing.B, body []byte, entries int) {
	benchBuildKeep(b, body, entries, defaultMaxExtraFields)
}

func benchBuildKeep(b *testing.B, body []byte, entries, maxExtra int) {
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	now := time.Now()
	m := cpubench.Start()
	for b.Loop() {
		ld, _, err := buildLogs(body, arrival{at: now}, defaultServiceName, maxExtra)
		if err != nil || ld.LogRecordCount() != entries {
			b.Fatal(err)
		}
	}
	m.Report(b, b.N*entries)
}

// benchBody is a request body of the benchmarks: the plugin's full entry
// (1.8 KB) alone, as db-log-pusher sends it, or 100 of them in an array.
type benchBody struct {
	name    string
	body    []byte
	entries int
}

func benchBodies(tb testing.TB) []benchBody {
	entry := bytes.TrimSpace(readTestdata(tb, "full_entry.json"))
	array := append([]byte{'['}, bytes.Repeat(append(entry, ','), 100)...)
	array[len(array)-1] = ']'
	return []benchBody{{"single", entry, 1}, {"array100", array, 100}}
}
