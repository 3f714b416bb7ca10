package main

import (
	"strings"
	"testing"
)

// TestBaselineRunsRightBeforeEachCase: before and after of a case must
// meet the same machine state, so the copy runs just before its case and
// a paced case keeps its reference's rate.
func TestBaselineRunsRightBeforeEachCase(t *testing.T) {
	cases := []benchCase{{Name: "a"}, {Name: "b", RateOf: "a"}}
	got := withBaseline(cases, "/old")
	want := []benchCase{{Name: "a [before]", Bin: "/old"}, {Name: "a"}, {Name: "b [before]", RateOf: "a", Bin: "/old"}, {Name: "b", RateOf: "a"}}
	if len(got) != len(want) {
		t.Fatalf("got %d cases, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Name != want[i].Name || got[i].Bin != want[i].Bin || got[i].RateOf != want[i].RateOf {
			t.Errorf("case %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestBeforeAfterComparesMedians(t *testing.T) {
	rs := []result{
		{Case: benchCase{Name: "x [before]"}, E2ERowsPerSec: 100, CPUPer10k: 1.0, PeakRSSMiB: 90},
		{Case: benchCase{Name: "x"}, E2ERowsPerSec: 150, CPUPer10k: 0.5, PeakRSSMiB: 80},
	}
	list := summarize(rs)
	byName := map[string]summary{}
	for _, s := range list {
		byName[s.name] = s
	}
	var b strings.Builder
	beforeAfter(&b, byName, list)
	if !strings.Contains(b.String(), "| x | 1.00 → 0.50 | -50 % | 100 → 150 | 90 → 80 MiB |") {
		t.Errorf("no before/after row for x in:\n%s", b.String())
	}
}

func TestOnlyTakesAlternatives(t *testing.T) {
	for _, c := range []struct {
		name, only string
		want       bool
	}{
		{"1 entry/POST, c=16, memory queue", "", true},
		{"1 entry/POST, c=16, memory queue", "c=16, memory|plugin", true},
		{"plugin batches, write-ahead log", "c=16, memory|plugin", true},
		{"100 entries/POST, c=16, write-ahead log", "c=16, memory|plugin", false},
	} {
		if got := selected(c.name, c.only); got != c.want {
			t.Errorf("selected(%q, %q) = %v, want %v", c.name, c.only, got, c.want)
		}
	}
}
