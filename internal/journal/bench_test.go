package journal

import (
	"context"
	"testing"

	"github.com/otelcol-higress/otelcol-higress/internal/cpubench"
)

// BenchmarkAppend: 1.5 KB records from 16 concurrent senders per CPU into
// file_storage with fsync, taken and removed in batches as a drainer does.
func BenchmarkAppend(b *testing.B) {
	client := openStorage(&testing.T{}, b.TempDir())
	j, err := Open[[]byte](context.Background(), client, Config{MaxBytes: 1 << 30, MemoryBytes: 64 << 20})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	ctx, cancel := context.WithCancel(context.Background())
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for {
			got, err := j.Take(ctx, Batch{MaxEntries: 1000, MaxBytes: 4 << 20})
			if err != nil {
				return
			}
			j.Remove(got)
		}
	}()
	record := make([]byte, 1500)
	b.SetBytes(int64(len(record)))
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	m := cpubench.Start()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := j.Append(context.Background(), record, record); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	m.Report(b, b.N)
	b.ReportMetric(float64(client.batches.Load())/float64(b.N), "txn/op")
	cancel()
	<-drained
}

// BenchmarkRead: 100 records of 1.5 KB read back from file_storage in one
// transaction, as the log's feeders do for records not kept in memory.
func BenchmarkRead(b *testing.B) {
	client := openStorage(&testing.T{}, b.TempDir())
	j, err := Open[[]byte](context.Background(), client, Config{MaxBytes: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	record := make([]byte, 1500)
	for range 100 {
		if err := j.Append(context.Background(), record, nil); err != nil {
			b.Fatal(err)
		}
	}
	entries, err := j.Take(context.Background(), Batch{MaxEntries: 100, MaxBytes: 1 << 30})
	if err != nil || len(entries) != 100 {
		b.Fatal(len(entries), err)
	}
	b.SetBytes(100 * int64(len(record)))
	b.ReportAllocs()
	m := cpubench.Start()
	for b.Loop() {
		if _, err := j.Read(context.Background(), entries); err != nil {
			b.Fatal(err)
		}
	}
	m.Report(b, b.N*100)
}
