// Package cpubench reports a benchmark's process CPU time per record, so
// every stage of the write path (decode, log append and replay, ailog, map,
// insert) states its cost in one unit, CPU-µs per record, comparable with
// the end-to-end figure (CPU-seconds per 10k rows) of cmd/bench. CPU time,
// unlike wall time, counts the work of every goroutine the stage starts and
// is less disturbed by other processes on a shared machine. proc.go reads
// the same figure for other processes (the collector under load, the
// database server) from /proc.
package cpubench // import "github.com/otelcol-higress/otelcol-higress/internal/cpubench"

import (
	"syscall"
	"testing"
	"time"
)

// Meter holds the process CPU time at its start.
type Meter struct {
	start time.Duration
	// paused is the CPU time spent between Pause and Resume, which Report
	// leaves out; pausedAt is when the current pause began (0: running).
	paused, pausedAt time.Duration
}

// Start reads the process CPU time now; call it after b.ResetTimer.
func Start() Meter { return Meter{start: processCPU()} }

// Pause leaves the CPU time until Resume out of the report, as
// b.StopTimer does for wall time: for preparing a stage's input (a fresh
// copy of a batch the stage mutates) inside the loop.
func (m *Meter) Pause() {
	if m.pausedAt == 0 {
		m.pausedAt = processCPU()
	}
}

// Resume counts CPU time again after Pause.
func (m *Meter) Resume() {
	if m.pausedAt != 0 {
		m.paused += processCPU() - m.pausedAt
		m.pausedAt = 0
	}
}

// Report adds "cpu-µs/record": the process CPU time since Start divided by
// records (b.N times the records one op handles).
func (m *Meter) Report(b *testing.B, records int) {
	b.Helper()
	if records <= 0 {
		return
	}
	m.Resume()
	b.ReportMetric(float64(processCPU()-m.start-m.paused)/float64(time.Microsecond)/float64(records), "cpu-µs/record")
}

// processCPU is user plus system time of the whole process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
