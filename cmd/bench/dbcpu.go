package main

import (
	"os"
	"strconv"
	"strings"

	"github.com/otelcol-higress/otelcol-higress/test/reliability/harness"
)

// dbServerPID finds the local MariaDB/MySQL server process, so the run can
// report how much CPU the database itself spends per row: on a shared
// 2-core machine that is what bounds both the sink and the end-to-end
// figure. 0 when the server is not a local process (remote DSN).
func dbServerPID() int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile("/proc/" + e.Name() + "/comm")
		if err != nil {
			continue
		}
		switch strings.TrimSpace(string(comm)) {
		case "mariadbd", "mysqld":
			return pid
		}
	}
	return 0
}

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
