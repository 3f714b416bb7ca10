package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// Topologies the throughput cases can run in.
const (
	// topoShared: load generator, collector and database share every CPU
	// (on the 2-core benchmark VM they steal each other's time).
	topoShared = "shared"
	// topoSplit: the database gets CPU 0, the load generator and the
	// collector CPU 1, in the e2e case and in the sink copy alike. It is
	// the deployment shape (the database on its own host) shrunk to one
	// machine: the sink figure is then what one database core absorbs,
	// and e2e ÷ sink says whether the collector keeps up with it.
	topoSplit = "split"
)

// pinSplit moves every thread of the database server to CPU 0 and every
// thread of this process (and so the collectors it starts) to CPU 1. The
// returned function gives the database all CPUs back.
func pinSplit(dbPID int) (restore func(), err error) {
	if runtime.NumCPU() < 2 || dbPID == 0 {
		return nil, fmt.Errorf("split topology needs 2 CPUs and a local database server process")
	}
	var all, db, rest unix.CPUSet
	if err := unix.SchedGetaffinity(dbPID, &all); err != nil {
		return nil, err
	}
	db.Set(0)
	rest.Set(1)
	if err := pinThreads(dbPID, &db); err != nil {
		return nil, fmt.Errorf("pin database: %w", err)
	}
	if err := pinThreads(os.Getpid(), &rest); err != nil {
		_ = pinThreads(dbPID, &all)
		return nil, fmt.Errorf("pin bench: %w", err)
	}
	runtime.GOMAXPROCS(1)
	return func() {
		_ = pinThreads(dbPID, &all)
		var both unix.CPUSet
		for i := range runtime.NumCPU() {
			both.Set(i)
		}
		_ = pinThreads(os.Getpid(), &both)
		runtime.GOMAXPROCS(runtime.NumCPU())
	}, nil
}

// pinThreads sets the affinity of every thread of pid; threads created
// later inherit it from their creator.
func pinThreads(pid int, set *unix.CPUSet) error {
	tasks, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/task")
	if err != nil {
		return err
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := unix.SchedSetaffinity(tid, set); err != nil {
			return fmt.Errorf("thread %d: %w", tid, err)
		}
	}
	return nil
}
