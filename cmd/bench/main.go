// Command bench measures the whole path — HTTP POST → higresslog →
// memory_limiter → ailog → mysqlaccesslog → MariaDB — with the built
// distribution (bin/otelcol-higress) as a subprocess, and, in the same run,
// the sink's own limit: the very rows the collector wrote, inserted
// straight into a table of the same schema with multi-row INSERTs of the
// exporter's chunk size and the exporter's number of writers.
//
//	go run ./cmd/bench                       # print the table
//	go run ./cmd/bench -write BENCHMARKS.md  # and replace its section there
//
// Every case gets a fresh database (dropped afterwards) and a fresh
// collector process, so peak RSS (VmHWM) and CPU time (utime+stime from
// /proc/PID/stat) are per case.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/otelcol-higress/otelcol-higress/internal/cpubench"
	"github.com/otelcol-higress/otelcol-higress/internal/loadgen"
	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
	"github.com/otelcol-higress/otelcol-higress/test/reliability/harness"
)

type benchCase struct {
	Name        string
	Concurrency int
	PerPost     int
	// Durability: where an acknowledged entry is kept until written.
	Durability durability
	// Block: sending_queue.block_on_overflow.
	Block bool
	// QueueBytes: sending_queue.queue_size in bytes (0: default).
	QueueBytes int
	// Env is added to the collector's environment (-collector-env).
	Env []string
	// BatchMin/BatchMax override sending_queue.batch (0: exporter defaults).
	BatchMin, BatchMax int
	// Backlog: the database is unreachable during the load (peak RSS vs
	// backlog); no throughput is measured.
	BacklogPosts int
	// RateOf names the case whose acknowledged entries/s this case sends
	// again, paced, in arrays of PerPost: the same gateway request rate as
	// plugin batches instead of single entries. That case runs first.
	RateOf string
	// TiDB: the database is the run's tidb-server (-tidb), not MariaDB.
	TiDB bool
	// WALBatchMinSize: the log's batch::min_size (nil: its default).
	WALBatchMinSize *int
	// Bin: the collector binary of this case when not the run's -bin
	// (the -baseline-bin copy of every case).
	Bin string
}

// beforeSuffix names the -baseline-bin copy of a case.
const beforeSuffix = " [before]"

// server is a database server cases write to.
type server struct {
	admin *sql.DB
	dsn   string // no database
	pid   int    // its local process, 0 when unknown (CPU then n/a)
}

type durability string

const (
	// memoryQueue: the exporter's in-memory sending queue; a 2xx means
	// queued in memory.
	memoryQueue durability = "memory queue"
	// writeAheadLog: the receiver's write-ahead log (file_storage, fsync)
	// and an exporter without a queue; a 2xx means on disk.
	writeAheadLog durability = "write-ahead log"
	// persistentQueue: the exporter's persistent sending queue
	// (file_storage, fsync); a 2xx means on disk. For comparison.
	persistentQueue durability = "persistent queue"
)

// pluginBatch is the gateway plugin's default max_entries_per_post
// (plugin/config.go); four workers each keep one POST in flight.
const pluginBatch, pluginWorkers = 100, 4

type result struct {
	Case                 benchCase
	Topology             string
	Posts, Refused       int
	Rows                 int
	ReqPerSec, EntPerSec float64
	P50, P99             time.Duration
	E2ERowsPerSec        float64
	SinkRowsPerSec       float64
	CPUPer10k            float64
	// DBCPUPer10k / SinkDBCPUPer10k: the database server's CPU-seconds
	// per 10k rows during the e2e case and during the sink copy.
	DBCPUPer10k, SinkDBCPUPer10k float64
	PeakRSSMiB                   int64
	PeakAnonMiB                  int64
	DrainAfterLoad               time.Duration
	Err                          error
	BacklogRows                  int
	BacklogQueueDirKiB           int64
	SinkWriters, SinkRows        int
}

func main() {
	var (
		binPath  = flag.String("bin", "bin/otelcol-higress", "collector binary (built with `go build ./cmd/otelcol` when missing or with -build)")
		build    = flag.Bool("build", true, "rebuild -bin from ./cmd/otelcol first")
		dsn      = flag.String("dsn", mysqltest.ServerDSN(), "MariaDB/MySQL server DSN (no database); MYSQL_TEST_DSN")
		duration = flag.Duration("duration", 15*time.Second, "load duration per throughput case")
		only     = flag.String("only", "", "run only cases whose name contains this (or one of its |-separated parts)")
		write    = flag.String("write", "", "replace (or append) the end-to-end section of this markdown file")
		writers  = flag.Int("sink-writers", 4, "parallel connections of the sink measurement (the exporter's num_consumers)")
		chunk    = flag.Int("sink-chunk", 1000, "rows per INSERT of the sink measurement (the exporter's max_rows_per_statement)")
		topos    = flag.String("topology", topoSplit+","+topoShared, "CPU topologies of the throughput cases: split (database on CPU 0, load generator and collector on CPU 1), shared (everything on every CPU)")
		rounds   = flag.Int("rounds", 3, "interleaved rounds of the throughput cases: each round runs every case once; the tables give medians")
		baseline = flag.String("baseline-bin", "", "a second collector binary (e.g. main before a change, built with `go build -o`): every selected case also runs with it, right before the same case with -bin in every round, named \"… [before]\": before and after from one interleaved run")
		withTiDB = flag.Bool("tidb", false, "also run the TiDB cases against bin/tidb-server (make tidb), one process with its embedded store on this machine: a sanity figure, not a capacity plan (shared topology only)")
	)
	env := flag.String("collector-env", "GOMEMLIMIT=320MiB,GOMAXPROCS=2", "comma-separated environment of every collector process: GOMEMLIMIT under memory_limiter's soft limit (512 − 128 MiB), so the garbage collector, not the limiter, keeps the heap down; GOMAXPROCS=2 as the Helm chart sets it on one core (the split topology pins the collector to one CPU)")
	flag.IntVar(&queueBytes, "queue-bytes", 0, "sending_queue size in bytes of the throughput cases (0: the exporter's default)")
	flag.Parse()
	if *env != "" {
		collectorEnv = strings.Split(*env, ",")
	}
	if err := run(*binPath, *baseline, *build, *dsn, *withTiDB, *duration, *only, *write, *writers, *chunk, *rounds, strings.Split(*topos, ",")); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(binPath, baseline string, build bool, serverDSN string, withTiDB bool, dur time.Duration, only, write string, writers, chunk, rounds int, topologies []string) error {
	root, err := harness.ModuleRoot()
	if err != nil {
		return err
	}
	if !filepath.IsAbs(binPath) {
		binPath = filepath.Join(root, binPath)
	}
	if _, err := os.Stat(binPath); build || err != nil {
		fmt.Fprintf(os.Stderr, "building %s\n", binPath)
		cmd := exec.Command("go", "build", "-trimpath", "-o", binPath, "./cmd/otelcol")
		cmd.Dir, cmd.Stdout, cmd.Stderr = root, os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build: %w", err)
		}
	}
	if _, err := harness.Build("", binPath); err != nil {
		return err
	}
	if baseline != "" {
		if baseline, err = filepath.Abs(baseline); err != nil {
			return err
		}
		if _, err := harness.Build("", baseline); err != nil {
			return fmt.Errorf("-baseline-bin: %w", err)
		}
	}
	admin, version, err := openAdmin(serverDSN)
	if err != nil {
		return err
	}
	defer admin.Close()
	// The database's own CPU per row: on a shared machine it bounds both
	// the sink and the end-to-end figure.
	maria := server{admin: admin, dsn: serverDSN, pid: cpubench.DatabasePID()}
	var tidb *server
	if withTiDB {
		dsn, pid, err := mysqltest.StartTiDB()
		if err != nil {
			return fmt.Errorf("tidb: %w", err)
		}
		tadmin, tversion, err := openAdmin(dsn)
		if err != nil {
			return err
		}
		defer tadmin.Close()
		tidb = &server{admin: tadmin, dsn: dsn, pid: pid}
		version += "; TiDB " + tversion + " (one tidb-server, -store unistore)"
	}

	// "tuned": what BENCHMARKS.md recommends for throughput — GOGC=300
	// next to GOMEMLIMIT and, in memory, a 16 MiB queue that holds
	// requests back when full instead of refusing work already decoded.
	tunedEnv := []string{"GOGC=300"}
	const single16, single64, arrays = "1 entry/POST, c=16, ", "1 entry/POST, c=64, ", "100 entries/POST, c=16, "
	const plugin = "plugin batches at the 1 entry/POST c=16 rate, "
	cases := []benchCase{
		{Name: single16 + string(writeAheadLog), Concurrency: 16, PerPost: 1, Durability: writeAheadLog},
		{Name: single16 + string(memoryQueue), Concurrency: 16, PerPost: 1, Durability: memoryQueue},
		{Name: single16 + string(persistentQueue), Concurrency: 16, PerPost: 1, Durability: persistentQueue},
		{Name: single64 + string(writeAheadLog), Concurrency: 64, PerPost: 1, Durability: writeAheadLog},
		{Name: single64 + string(memoryQueue), Concurrency: 64, PerPost: 1, Durability: memoryQueue},
		{Name: arrays + string(writeAheadLog), Concurrency: 16, PerPost: 100, Durability: writeAheadLog},
		{Name: arrays + string(memoryQueue), Concurrency: 16, PerPost: 100, Durability: memoryQueue},
		// The log hands on what it holds at once instead of gathering
		// wal::batch::min_size (1 MiB) first: fewer decoded records live
		// in the heap, smaller exporter calls.
		{Name: arrays + string(writeAheadLog) + ", batch::min_size 0", Concurrency: 16, PerPost: 100, Durability: writeAheadLog, WALBatchMinSize: new(0)},
		{Name: plugin + string(writeAheadLog) + ", batch::min_size 0", Concurrency: pluginWorkers, PerPost: pluginBatch, Durability: writeAheadLog, RateOf: single16 + string(memoryQueue), WALBatchMinSize: new(0)},
		{Name: arrays + string(writeAheadLog) + ", tuned", Concurrency: 16, PerPost: 100, Durability: writeAheadLog, Env: tunedEnv},
		{Name: arrays + string(memoryQueue) + ", tuned", Concurrency: 16, PerPost: 100, Durability: memoryQueue, Env: tunedEnv, QueueBytes: 16 << 20, Block: true},
		// Both at the rate the memory queue reached with single entries:
		// the same gateway traffic, sent by the plugin.
		{Name: plugin + string(writeAheadLog), Concurrency: pluginWorkers, PerPost: pluginBatch, Durability: writeAheadLog, RateOf: single16 + string(memoryQueue)},
		{Name: plugin + string(memoryQueue), Concurrency: pluginWorkers, PerPost: pluginBatch, Durability: memoryQueue, RateOf: single16 + string(memoryQueue)},
		{Name: "backlog 20k rows, DB down, write-ahead log", Concurrency: 16, PerPost: 100, Durability: writeAheadLog, BacklogPosts: 200},
		{Name: "backlog 80k rows, DB down, write-ahead log", Concurrency: 16, PerPost: 100, Durability: writeAheadLog, BacklogPosts: 800},
		{Name: "backlog 160k rows, DB down, write-ahead log", Concurrency: 16, PerPost: 100, Durability: writeAheadLog, BacklogPosts: 1600},
	}
	if withTiDB {
		// The shipped configuration (write-ahead log, no queue) with the
		// plugin's arrays and with single entries, into TiDB's table
		// layout (the exporter detects TiDB and creates it).
		cases = append(cases,
			benchCase{Name: arrays + string(writeAheadLog) + ", TiDB", Concurrency: 16, PerPost: 100, Durability: writeAheadLog, TiDB: true},
			benchCase{Name: single16 + string(writeAheadLog) + ", TiDB", Concurrency: 16, PerPost: 1, Durability: writeAheadLog, TiDB: true})
	}
	if baseline != "" {
		cases = withBaseline(cases, baseline)
	}
	var results []result
	for _, topo := range topologies {
		rs, err := runTopology(topo, cases, binPath, maria, tidb, dur, only, writers, chunk, rounds)
		if err != nil {
			return err
		}
		results = append(results, rs...)
	}
	md := markdown(results, machine(version), dur, rounds, os.Args[1:])
	fmt.Println(md)
	if write != "" {
		return writeSection(write, md)
	}
	return nil
}

// runTopology runs the cases in one CPU topology, rounds times
// interleaved (every case once per round, so slow drifts of the machine
// hit every case alike); backlog cases (memory, not throughput) once, in
// the shared topology.
func runTopology(topo string, cases []benchCase, binPath string, maria server, tidb *server, dur time.Duration, only string, writers, chunk, rounds int) ([]result, error) {
	switch topo {
	case topoShared:
	case topoSplit:
		restore, err := pinSplit(maria.pid)
		if err != nil {
			return nil, err
		}
		defer restore()
	default:
		return nil, fmt.Errorf("unknown topology %q (shared, split)", topo)
	}
	var results []result
	needed := map[string]bool{} // cases another selected case takes its rate from
	for _, c := range cases {
		if c.RateOf != "" && selected(c.Name, only) {
			needed[c.RateOf] = true
		}
	}
	for round := 1; round <= rounds; round++ {
		done := map[string]result{}
		for _, c := range cases {
			if !selected(c.Name, only) && !needed[c.Name] ||
				c.BacklogPosts > 0 && (topo != topoShared || round > 1) ||
				c.TiDB && (tidb == nil || topo != topoShared) {
				continue
			}
			srv := maria
			if c.TiDB {
				srv = *tidb
			}
			fmt.Fprintf(os.Stderr, "== [%s, round %d/%d] %s\n", topo, round, rounds, c.Name)
			bin := binPath
			if c.Bin != "" {
				bin = c.Bin
			}
			var r result
			if c.BacklogPosts > 0 {
				r = backlogCase(bin, srv.admin, srv.dsn, c)
			} else if ref, ok := done[c.RateOf]; c.RateOf != "" && (!ok || ref.Err != nil || ref.EntPerSec <= 0) {
				r = result{Case: c, Err: fmt.Errorf("no entry rate from %q", c.RateOf)}
			} else {
				r = throughputCase(bin, srv, c, dur, writers, chunk, ref.EntPerSec/float64(c.PerPost))
			}
			done[c.Name] = r
			r.Topology = topo
			if r.Err != nil {
				fmt.Fprintf(os.Stderr, "   error: %v\n", r.Err)
			} else {
				fmt.Fprintf(os.Stderr, "   %s\n", oneLine(r))
			}
			results = append(results, r)
		}
	}
	return results, nil
}

// selected: name contains one of only's "|"-separated parts (every name
// when only is empty).
func selected(name, only string) bool {
	if only == "" {
		return true
	}
	for part := range strings.SplitSeq(only, "|") {
		if part != "" && strings.Contains(name, part) {
			return true
		}
	}
	return false
}

// withBaseline puts before every case its copy run with the baseline
// binary. A copy paced by another case's rate keeps that case's rate, so
// before and after carry the same traffic.
func withBaseline(cases []benchCase, baseline string) []benchCase {
	out := make([]benchCase, 0, 2*len(cases))
	for _, c := range cases {
		before := c
		before.Name += beforeSuffix
		before.Bin = baseline
		out = append(out, before, c)
	}
	return out
}

func openAdmin(serverDSN string) (*sql.DB, string, error) {
	cfg, err := mysql.ParseDSN(serverDSN)
	if err != nil {
		return nil, "", err
	}
	cfg.DBName = ""
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, "", err
	}
	var v string
	if err := db.QueryRow("SELECT VERSION()").Scan(&v); err != nil {
		db.Close()
		return nil, "", fmt.Errorf("no database at %s: %w", cfg.Addr, err)
	}
	return db, v, nil
}

// scratch creates a database and returns its DSN and a drop func.
func scratch(admin *sql.DB, serverDSN string) (string, func(), error) {
	name := fmt.Sprintf("bench_%x", time.Now().UnixNano()&0xffffffffff)
	if _, err := admin.Exec("CREATE DATABASE `" + name + "` DEFAULT CHARACTER SET utf8mb4"); err != nil {
		return "", nil, err
	}
	cfg, _ := mysql.ParseDSN(serverDSN)
	cfg.DBName = name
	// The exporter's session settings: UTC, interpolated parameters (one
	// round trip per multi-row INSERT).
	cfg.Params = map[string]string{"time_zone": "'+00:00'"}
	cfg.InterpolateParams = true
	return cfg.FormatDSN(), func() { _, _ = admin.Exec("DROP DATABASE IF EXISTS `" + name + "`") }, nil
}

// collectorEnv is the environment every collector of the run gets
// (-collector-env).
var collectorEnv []string

// queueBytes overrides the exporter's default queue size (-queue-bytes).
var queueBytes int

func startCollector(bin, dsn string, c benchCase, dir string) (*harness.Collector, error) {
	port, err := harness.FreePort()
	if err != nil {
		return nil, err
	}
	o := harness.Options{Port: port, DSN: dsn, MemoryLimitMiB: 512, SpikeLimitMiB: 128,
		BatchMinSize: c.BatchMin, BatchMaxSize: c.BatchMax, BlockOnOverflow: c.Block,
		PersistentQueue: c.Durability == persistentQueue, WALBatchMinSize: c.WALBatchMinSize}
	if c.BacklogPosts > 0 {
		o.QueueSize = 2 * c.BacklogPosts * c.PerPost // the backlog must fit
	} else {
		o.QueueBytes = queueBytes
		if c.QueueBytes > 0 {
			o.QueueBytes = c.QueueBytes
		}
	}
	if c.Durability != memoryQueue {
		o.StorageDir = filepath.Join(dir, "queue")
		if err := os.MkdirAll(o.StorageDir, 0o700); err != nil {
			return nil, err
		}
	}
	col, err := harness.New(bin, dir, o, append(slices.Clone(collectorEnv), c.Env...)...)
	if err != nil {
		return nil, err
	}
	return col, col.Start(context.Background(), 30*time.Second)
}

// countRows counts every row of the table: the run's plus the warm-up
// entry. A COUNT over the smallest index, not a LIKE over request_id (no
// index): polled while the database is still writing, on the same core,
// a full scan per poll slowed the very inserts it waited for.
func countRows(db *sql.DB) (int, error) {
	var n int
	err := db.QueryRow("SELECT COUNT(*) FROM `access_logs`").Scan(&n)
	return n, err
}

// warm posts one entry and waits until it is stored: schema created, pool open.
// warmed is a running collector that has stored one warm-up entry.
type warmed struct {
	col *harness.Collector
	db  *sql.DB // the same database, without any proxy in between
	dir string  // the collector's directory (its queue is in dir/queue)
}

// startWarm starts a collector writing to collectorDSN, opens dbDSN and
// stores one warm-up entry. stop stops the collector, closes the database
// and removes the directory.
func startWarm(bin, collectorDSN, dbDSN string, c benchCase) (w warmed, stop func(), err error) {
	if w.dir, err = os.MkdirTemp("", "bench-"); err != nil {
		return w, nil, err
	}
	if w.col, err = startCollector(bin, collectorDSN, c, w.dir); err != nil {
		os.RemoveAll(w.dir)
		return w, nil, err
	}
	stop = func() {
		if w.db != nil {
			w.db.Close()
		}
		_ = w.col.Stop(time.Minute)
		os.RemoveAll(w.dir)
	}
	if w.db, err = sql.Open("mysql", dbDSN); err == nil {
		err = warm(w.col, w.db)
	}
	if err != nil {
		stop()
		return w, nil, err
	}
	return w, stop, nil
}

// warmRows is how many rows warm stores before the measured load.
const warmRows = 1

func warm(col *harness.Collector, db *sql.DB) error {
	run := fmt.Sprintf("warm%x", time.Now().UnixNano()&0xffffff)
	res, err := loadgen.Run(context.Background(), loadgen.Config{URL: col.URL, RunID: run, Posts: 1})
	if err != nil {
		return err
	}
	rep, err := loadgen.WaitComplete(context.Background(), db, "access_logs", run, res.AckedIDs, time.Minute)
	if err != nil || !rep.OK() || len(res.AckedIDs) == 0 {
		return fmt.Errorf("warm-up entry not stored: %v %v", rep, err)
	}
	return nil
}

// throughputCase runs c; rate caps POSTs/s (0: closed loop, as fast as answered).
func throughputCase(bin string, srv server, c benchCase, dur time.Duration, writers, chunk int, rate float64) (r result) {
	r.Case = c
	dsn, drop, err := scratch(srv.admin, srv.dsn)
	if err != nil {
		r.Err = err
		return r
	}
	defer drop()
	w, stop, err := startWarm(bin, dsn, dsn, c)
	if err != nil {
		r.Err = err
		return r
	}
	defer stop()
	col, db := w.col, w.db

	run := fmt.Sprintf("b%x", time.Now().UnixNano()&0xffffff)
	cpu0, _ := col.CPUSeconds()
	dbm := cpuMeter(srv.pid)
	db0 := dbm.seconds()
	start := time.Now()
	res, err := loadgen.Run(context.Background(), loadgen.Config{
		URL: col.URL, RunID: run, Concurrency: c.Concurrency, PerPost: c.PerPost, Duration: dur, Rate: rate,
	})
	if err != nil {
		r.Err = err
		return r
	}
	loadEnd := time.Now()
	acked := len(res.AckedIDs)
	// First request → last acknowledged row visible.
	deadline := time.Now().Add(5 * time.Minute)
	var stored int
	for {
		if stored, err = countRows(db); err == nil && stored >= acked+warmRows {
			stored -= warmRows
			break
		}
		if time.Now().After(deadline) {
			r.Err = fmt.Errorf("only %d of %d acknowledged rows visible after 5 min", stored, acked)
			return r
		}
		time.Sleep(50 * time.Millisecond)
	}
	end := time.Now()
	cpu1, _ := col.CPUSeconds()
	db1 := dbm.seconds()
	rep, err := loadgen.Check(context.Background(), db, "access_logs", run, res.AckedIDs)
	if err == nil && !rep.OK() {
		r.Err = fmt.Errorf("acknowledged rows lost or duplicated: %s", rep)
	}

	r.Posts, r.Refused, r.Rows = res.Posts, res.Refused+res.Failed, acked
	r.ReqPerSec = res.PostsPerSecond()
	r.EntPerSec = float64(acked) / res.Elapsed.Seconds()
	r.P50, r.P99 = res.Percentile(50), res.Percentile(99)
	r.E2ERowsPerSec = float64(stored) / end.Sub(start).Seconds()
	r.DrainAfterLoad = end.Sub(loadEnd)
	if stored > 0 {
		r.CPUPer10k = (cpu1 - cpu0) / float64(stored) * 10_000
		r.DBCPUPer10k = (db1 - db0) / float64(stored) * 10_000
	}
	r.PeakRSSMiB, r.PeakAnonMiB = col.PeakRSSKiB()>>10, col.PeakAnonKiB()>>10
	_ = col.Stop(time.Minute)

	// The sink's own limit on the same rows and schema.
	var sinkDBCPU float64
	r.SinkRowsPerSec, r.SinkRows, sinkDBCPU, err = sinkLimit(db, run, writers, chunk, dbm)
	if r.SinkRows > 0 {
		r.SinkDBCPUPer10k = sinkDBCPU / float64(r.SinkRows) * 10_000
	}
	r.SinkWriters = writers
	if err != nil && r.Err == nil {
		r.Err = fmt.Errorf("sink: %w", err)
	}
	return r
}

// sinkLimit copies the run's rows (as the collector wrote them) into a
// table created LIKE access_logs — same columns, indexes and unique uid
// key — with multi-row INSERTs of chunk rows on writers connections, fresh
// uids, and returns rows/s, rows and the database's CPU-seconds for the
// inserts alone (not the SELECT that reads the rows first).
func sinkLimit(db *sql.DB, run string, writers, chunk int, dbm cpuMeter) (float64, int, float64, error) {
	if _, err := db.Exec("CREATE TABLE `sink` LIKE `access_logs`"); err != nil {
		return 0, 0, 0, err
	}
	rows, err := db.Query("SELECT * FROM `access_logs` WHERE `request_id` LIKE ?", run+"-%")
	if err != nil {
		return 0, 0, 0, err
	}
	cols, _ := rows.Columns()
	idIdx, uidIdx := -1, -1
	var insCols []string
	for i, c := range cols {
		switch c {
		case "id":
			idIdx = i
			continue
		case "record_uid":
			uidIdx = i
		}
		insCols = append(insCols, "`"+c+"`")
	}
	var data [][]any
	for rows.Next() {
		raw := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range raw {
			ptrs[i] = &raw[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			rows.Close()
			return 0, 0, 0, err
		}
		vals := make([]any, 0, len(insCols))
		for i, b := range raw {
			if i == idIdx {
				continue
			}
			if i == uidIdx {
				vals = append(vals, fmt.Sprintf("sink-%d", len(data)))
				continue
			}
			if b == nil {
				vals = append(vals, nil)
			} else {
				vals = append(vals, string(b))
			}
		}
		data = append(data, vals)
	}
	rows.Close()
	if len(data) == 0 {
		return 0, 0, 0, errors.New("no rows to copy")
	}
	rowPH := "(" + strings.TrimSuffix(strings.Repeat("?,", len(insCols)), ",") + ")"
	head := "INSERT INTO `sink` (" + strings.Join(insCols, ",") + ") VALUES "

	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	cpu0 := dbm.seconds()
	start := time.Now()
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(int64(chunk))) - chunk
				if i >= len(data) {
					return
				}
				j := min(i+chunk, len(data))
				args := make([]any, 0, (j-i)*len(insCols))
				for _, v := range data[i:j] {
					args = append(args, v...)
				}
				stmt := head + strings.TrimSuffix(strings.Repeat(rowPH+",", j-i), ",")
				if _, err := db.Exec(stmt, args...); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	return float64(len(data)) / el.Seconds(), len(data), dbm.seconds() - cpu0, firstErr
}

func backlogCase(bin string, admin *sql.DB, serverDSN string, c benchCase) (r result) {
	r.Case = c
	dsn, drop, err := scratch(admin, serverDSN)
	if err != nil {
		r.Err = err
		return r
	}
	defer drop()
	cfg, _ := mysql.ParseDSN(dsn)
	proxy, err := mysqltest.NewProxy(cfg.Addr)
	if err != nil {
		r.Err = err
		return r
	}
	defer proxy.Close()
	cfg.Addr = proxy.Addr()
	w, stop, err := startWarm(bin, cfg.FormatDSN(), dsn, c)
	if err != nil {
		r.Err = err
		return r
	}
	defer stop()
	col, db := w.col, w.db
	proxy.SetDown(true)
	run := fmt.Sprintf("k%x", time.Now().UnixNano()&0xffffff)
	res, err := loadgen.Run(context.Background(), loadgen.Config{
		URL: col.URL, RunID: run, Concurrency: c.Concurrency, PerPost: c.PerPost, Posts: c.BacklogPosts,
	})
	if err != nil {
		r.Err = err
		return r
	}
	time.Sleep(2 * time.Second) // retries keep running; let RSS settle
	r.Posts, r.Refused, r.BacklogRows = res.Posts, res.Refused+res.Failed, len(res.AckedIDs)
	r.ReqPerSec = res.PostsPerSecond()
	r.EntPerSec = float64(len(res.AckedIDs)) / res.Elapsed.Seconds()
	r.P50, r.P99 = res.Percentile(50), res.Percentile(99)
	r.PeakRSSMiB, r.PeakAnonMiB = col.PeakRSSKiB()>>10, col.PeakAnonKiB()>>10
	r.BacklogQueueDirKiB = dirKiB(filepath.Join(w.dir, "queue"))
	// Then drain, to prove the backlog is whole.
	proxy.SetDown(false)
	rep, err := loadgen.WaitComplete(context.Background(), db, "access_logs", run, res.AckedIDs, 5*time.Minute)
	if err != nil || !rep.OK() {
		r.Err = fmt.Errorf("backlog not drained whole: %s %v", rep, err)
	}
	r.Rows = rep.Rows
	return r
}

func dirKiB(dir string) int64 {
	var n int64
	_ = filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n >> 10
}

func oneLine(r result) string {
	if r.Case.BacklogPosts > 0 {
		return fmt.Sprintf("backlog %d rows, peak RSS %d MiB (anon %d MiB), queue files %d MiB, drained %d", r.BacklogRows, r.PeakRSSMiB, r.PeakAnonMiB, r.BacklogQueueDirKiB>>10, r.Rows)
	}
	return fmt.Sprintf("%.0f req/s, %.0f entries/s acked, p50 %v p99 %v, e2e %.0f rows/s, sink %.0f rows/s (%.0f%%), %.2f CPU-s/10k rows, DB %.2f (sink %.2f), peak RSS %d MiB (anon %d MiB), refused %d",
		r.ReqPerSec, r.EntPerSec, ms(r.P50), ms(r.P99), r.E2ERowsPerSec, r.SinkRowsPerSec, 100*r.E2ERowsPerSec/r.SinkRowsPerSec, r.CPUPer10k, r.DBCPUPer10k, r.SinkDBCPUPer10k, r.PeakRSSMiB, r.PeakAnonMiB, r.Refused)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func machine(dbVersion string) string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	mem := "?"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
				var kib int64
				fmt.Sscan(strings.TrimSpace(v), &kib)
				mem = fmt.Sprintf("%.1f GiB", float64(kib)/(1<<20))
			}
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return fmt.Sprintf("nproc %d, %s, %s RAM, Linux %s, %s, MariaDB %s on the same machine (default config, innodb_flush_log_at_trx_commit=1), %s/%s",
		runtime.NumCPU(), model, mem, strings.TrimSpace(string(kernel)), runtime.Version(), dbVersion, runtime.GOOS, runtime.GOARCH)
}
