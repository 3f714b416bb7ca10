package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import (
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

// The default sending queue is bounded in bytes, not records: a record's
// memory depends on what the gateway logged (bodies, conversations), so a
// record count bounds nothing. Measured with loadgen entries after the
// ailog processor (46 attributes): 2.6 KB of protobuf, which is what the
// bytes sizer counts, and 4.3 KB of heap in pdata (x1.65; records made of
// big bodies are closer to x1). 64 MiB is thus ≈ 25 000 typical records and
// ≈ 105 MiB of live heap at worst for them, with in-flight batches included
// (exporterhelper releases queue space only when a batch is done). The
// garbage collector needs about as much again, so a full queue peaks near
// 250 MiB: under a 512 MiB memory_limiter with room for bodies being
// decoded. 128 MiB peaked at 475–606 MiB of anonymous memory in the
// end-to-end benchmark and made memory_limiter refuse before the queue was
// full; 100 000 records reached 523 MiB (BENCHMARKS.md). An in-memory
// queue absorbs database hiccups; outages are what the persistent queue
// (storage) is for. Batching stays in records (rows per statement).
const defaultQueueBytes = 64 << 20

// defaultPersistentQueueBytes bounds a queue with storage when queue_size
// is not set: on disk, not in memory, so it may be far larger — enough for
// minutes of a database outage (≈ 400 000 typical records). The memory
// default made a persistent queue refuse entries whenever the database
// fell behind for a few seconds.
const defaultPersistentQueueBytes = 1 << 30

// Records and requests for a queue whose sizer is set to items or requests
// without a queue_size (which would otherwise be read as 128 Mi records):
// ≈ the memory of the byte default, and exporterhelper's own default.
const (
	defaultQueueItems    = 50_000
	defaultQueueRequests = 1_000
)

// Unmarshal keeps the meaning of configurations written for the former
// default: a queue_size without a sizer counts records (sizer: items), as
// it did; a sizer without a queue_size gets a size in its own unit.
func (cfg *Config) Unmarshal(conf *confmap.Conf) error {
	if err := conf.Unmarshal(cfg); err != nil {
		return err
	}
	if !cfg.QueueConfig.HasValue() {
		return nil
	}
	q := cfg.QueueConfig.Get()
	sizeSet, sizerSet := conf.IsSet("sending_queue::queue_size"), conf.IsSet("sending_queue::sizer")
	switch {
	case sizeSet && !sizerSet:
		q.Sizer = exporterhelper.RequestSizerTypeItems
	case sizerSet && !sizeSet && q.Sizer == exporterhelper.RequestSizerTypeItems:
		q.QueueSize = defaultQueueItems
	case sizerSet && !sizeSet && q.Sizer == exporterhelper.RequestSizerTypeRequests:
		q.QueueSize = defaultQueueRequests
	case !sizeSet && q.Sizer == exporterhelper.RequestSizerTypeBytes && q.StorageID != nil:
		q.QueueSize = defaultPersistentQueueBytes
	}
	return nil
}
