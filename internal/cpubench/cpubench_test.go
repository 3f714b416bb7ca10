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

func BenchmarkMeter(b *testing.B) {
	m := Start()
	for b.Loop() {
		sha256.Sum256([]byte("record"))
	}
	m.Report(b, b.N)
}
