package journal

import (
	"context"
	"testing"
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
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := j.Append(context.Background(), record, record); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(client.batches.Load())/float64(b.N), "txn/op")
	cancel()
	<-drained
}
