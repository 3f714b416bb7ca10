package cpubench

import (
	"crypto/sha256"
	"fmt"
	"os"
	"testing"
)

// TestProcStatCPUSeesThisProcessWork: /proc's figure for this process
// grows with work done, and a thread's file reads too.
func TestProcStatCPUSeesThisProcessWork(t *testing.T) {
	self := fmt.Sprintf("/proc/%d/stat", os.Getpid())
	before, err := ProcStatCPU(self)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	for range 400 { // ≈ 0.2–1 s of hashing, well over /proc's 10 ms tick
		sha256.Sum256(buf)
	}
	after, err := ProcStatCPU(self)
	if err != nil {
		t.Fatal(err)
	}
	if after <= before {
		t.Fatalf("CPU time from %s did not grow: %v → %v", self, before, after)
	}
	if _, err := ProcStatCPU(fmt.Sprintf("/proc/%d/task/%d/stat", os.Getpid(), os.Getpid())); err != nil {
		t.Fatal(err)
	}
	short := t.TempDir() + "/stat"
	if err := os.WriteFile(short, []byte("1 (a) R 0 0"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ProcStatCPU(short); err == nil {
		t.Fatal("a stat line without utime and stime read as one")
	}
}
