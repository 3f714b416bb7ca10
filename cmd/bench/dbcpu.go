package main

import (
	"github.com/otelcol-higress/otelcol-higress/test/reliability/harness"
)

// cpuMeter reads a process's CPU seconds; a missing process reads as 0 so
// the report shows "n/a" rather than failing the run.
type cpuMeter int

func (m cpuMeter) seconds() float64 {
	if m == 0 {
		return 0
	}
	s, err := harness.ProcCPUSeconds(int(m))
	if err != nil {
		return 0
	}
	return s
}
