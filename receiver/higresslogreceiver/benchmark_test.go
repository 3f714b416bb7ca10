package higresslogreceiver

import (
	"bytes"
	"testing"
	"time"
)

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
			b.SetBytes(int64(len(bc.body)))
			b.ReportAllocs()
			now := time.Now()
			for b.Loop() {
				ld, _, err := buildLogs(bc.body, now, defaultServiceName)
				if err != nil || ld.LogRecordCount() != bc.entries {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(bc.entries)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
