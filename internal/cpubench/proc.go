package cpubench

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of /proc's CPU times, 100 on every Linux this runs on.
const userHZ = 100

// ProcStatCPU is utime+stime from a /proc stat file: /proc/PID/stat for a
// process, /proc/PID/task/TID/stat for one of its threads. The benchmarks
// read other processes with it (the collector under load, the database
// server and the thread serving one connection).
func ProcStatCPU(path string) (time.Duration, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	// comm (field 2) may contain spaces; fields after the last ')' start at 3.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New(path + ": unexpected format")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, errors.New(path + ": too few fields")
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	st, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, errors.New(path + ": bad utime/stime")
	}
	return time.Duration(ut+st) * time.Second / userHZ, nil
}

// DatabasePID is the local MariaDB or MySQL server process, 0 when none
// runs on this machine (a remote DSN).
func DatabasePID() int {
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
