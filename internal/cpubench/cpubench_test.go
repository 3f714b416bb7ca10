package cpubench

import (
	"crypto/sha256"
	"testing"
)

// TestBusyLoopCostsCPU fails if the meter does not see CPU work done.
func TestBusyLoopCostsCPU(t *testing.T) {
	start := processCPU()
	buf := make([]byte, 1<<20)
	for range 200 {
		sha256.Sum256(buf)
	}
	if processCPU() <= start {
		t.Fatal("hashing 200 MiB used no CPU time according to getrusage")
	}
}

// TestPauseLeavesWorkOut fails if CPU work between Pause and Resume is
// counted: the paused hashing is far more than the unpaused.
func TestPauseLeavesWorkOut(t *testing.T) {
	buf := make([]byte, 1<<20)
	m := Start()
	m.Pause()
	for range 200 {
		sha256.Sum256(buf)
	}
	m.Resume()
	if counted := processCPU() - m.start - m.paused; counted >= m.paused {
		t.Fatalf("counted %v of CPU although %v of it was paused", counted, m.paused)
	}
}

func BenchmarkMeter(b *testing.B) {
	m := Start()
	for b.Loop() {
		sha256.Sum256([]byte("record"))
	}
	m.Report(b, b.N)
}
