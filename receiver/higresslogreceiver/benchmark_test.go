package higresslogreceiver

import (
	"bytes"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

// processCPU is the CPU time (user + system, every thread, the garbage
// collector included) this process has used. On a machine shared with
// other work it is a steadier measure of cost than wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBuildLogs measures decoding db-log-pusher bodies into records:
// one full entry (today's plugin) and an array of 100.
func BenchmarkBuildLogs(b *testing.B) {
	entry := bytes.TrimSpace(readTestdata(b, "full_entry.json"))
	array := append([]byte{'['}, bytes.Repeat(append(entry, ','), 100)...)
	array[len(array)-1] = ']'
	for _, bc := range []struct {
		name    string
		body    []byte
		entries int
	}{{"single", entry, 1}, {"array100", array, 100}} {
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
	cpu := processCPU()
	for b.Loop() {
		ld, _, err := buildLogs(body, arrival{at: now}, defaultServiceName, maxExtra)
		if err != nil || ld.LogRecordCount() != entries {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N*entries), "cpu-ns/record")
}
