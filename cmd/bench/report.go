package main

import (
	"fmt"
	"os"
	"strings"
	"time"
)

const (
	beginMarker = "<!-- bench-e2e:begin (written by cmd/bench; edit the text outside the markers) -->"
	endMarker   = "<!-- bench-e2e:end -->"
)

func markdown(results []result, machine string, dur time.Duration, args []string) string {
	var b strings.Builder
	cmd := "go run ./cmd/bench"
	if len(args) > 0 {
		cmd += " " + strings.Join(args, " ")
	}
	fmt.Fprintf(&b, "Measured %s UTC with `make bench-e2e` (`%s`).\n\n", time.Now().UTC().Format("2006-01-02 15:04"), cmd)
	fmt.Fprintf(&b, "Machine: %s. Load generator, collector and database run on the same machine.\n\n", machine)
	fmt.Fprintf(&b, "Each throughput case: fresh database and collector process (memory_limiter 512/128 MiB, ailog, mysqlaccesslog with its defaults: in-memory queue bounded at 64 MiB (bytes) or, with the persistent queue, file_storage, 4 consumers, batches of 1000–5000, INSERT of ≤1000 rows), %v of closed-loop load (keep-alive, ~1.5 KB CONTRACT §1 entries from internal/loadgen), then wait until every acknowledged row is visible. Every collector runs with `%s`; \"tuned\" cases add `GOGC=300` and, for the memory queue, `sending_queue: {sizer: bytes, queue_size: 16777216, block_on_overflow: true}`; \"linger\" is the receiver's `group_commit.linger`. "+
		"**e2e rows/s** = acknowledged rows ÷ (first request → last row visible). **sink rows/s** = the same rows copied straight into a `CREATE TABLE … LIKE access_logs` table (same columns, indexes, unique uid key) with multi-row INSERTs of 1000 rows on 4 connections, right after the case. Collector CPU = its utime+stime (/proc/PID/stat) over the same interval; DB CPU = the database server's, in the e2e case and in the sink copy; peak RSS = VmHWM.\n\n", dur, strings.Join(collectorEnv, " "))
	var backlog []result
	var topos []string
	byTopo := map[string][]result{}
	for _, r := range results {
		if r.Case.BacklogPosts > 0 {
			backlog = append(backlog, r)
			continue
		}
		if _, seen := byTopo[r.Topology]; !seen {
			topos = append(topos, r.Topology)
		}
		byTopo[r.Topology] = append(byTopo[r.Topology], r)
	}
	for _, topo := range topos {
		throughputTable(&b, topo, byTopo[topo])
	}
	if len(backlog) > 0 {
		backlogTable(&b, backlog)
	}
	return b.String()
}

var topologyText = map[string]string{
	topoShared: "**Topology shared**: load generator, collector and database share both CPUs, as they do on a developer laptop.",
	topoSplit:  "**Topology split**: the database on CPU 0; the load generator and the collector on CPU 1 (the sink copy too). The deployment shape — database on its own host — on one machine: the sink is what one database core absorbs, and e2e ÷ sink says whether one collector core keeps up with it.",
}

func throughputTable(b *strings.Builder, topo string, results []result) {
	fmt.Fprintf(b, "%s\n\n", topologyText[topo])
	b.WriteString("| case | HTTP req/s | entries/s acked | p50 | p99 | e2e rows/s | sink rows/s | e2e ÷ sink | collector CPU-s / 10k rows | DB CPU-s / 10k rows: e2e / sink | peak RSS (VmHWM) | peak RssAnon | POSTs not acked |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	byName := map[string]result{}
	for _, r := range results {
		byName[r.Case.Name] = r
		if r.Err != nil {
			fmt.Fprintf(b, "| %s | failed: %v |||||||||||\n", r.Case.Name, strings.ReplaceAll(r.Err.Error(), "|", "/"))
			continue
		}
		fmt.Fprintf(b, "| %s | %.0f | %.0f | %s | %s | %.0f | %.0f | %.0f %% | %.2f | %.2f / %.2f | %d MiB | %d MiB | %d |\n",
			r.Case.Name, r.ReqPerSec, r.EntPerSec, ms(r.P50), ms(r.P99), r.E2ERowsPerSec, r.SinkRowsPerSec,
			100*r.E2ERowsPerSec/r.SinkRowsPerSec, r.CPUPer10k, r.DBCPUPer10k, r.SinkDBCPUPer10k, r.PeakRSSMiB, r.PeakAnonMiB, r.Refused)
	}
	fmt.Fprintf(b, "\nTargets, topology %s (ratios from this run):\n\n", topo)
	const arr = "100 entries/POST, c=16, "
	fmt.Fprintf(b, "- e2e ≥ 80 %% of the sink with array POSTs: persistent queue %s (tuned %s), memory queue %s (tuned %s).\n",
		ratio(byName[arr+"persistent queue"]), ratio(byName[arr+"persistent queue, tuned"]),
		ratio(byName[arr+"memory queue"]), ratio(byName[arr+"memory queue, tuned"]))
	pq := func(p, m string) string {
		a, b := byName[p], byName[m]
		if a.Err != nil || b.Err != nil || b.E2ERowsPerSec == 0 || a.E2ERowsPerSec == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.0f %% (%.0f vs %.0f rows/s)", 100*(1-a.E2ERowsPerSec/b.E2ERowsPerSec), a.E2ERowsPerSec, b.E2ERowsPerSec)
	}
	fmt.Fprintf(b, "- persistent queue cost ≤ 30 %% of e2e throughput: array POSTs %s, tuned %s; single-entry POSTs c=16 %s, with linger 2ms %s; c=64 %s, with linger 2ms %s.\n\n",
		pq(arr+"persistent queue", arr+"memory queue"),
		pq(arr+"persistent queue, tuned", arr+"memory queue, tuned"),
		pq("1 entry/POST, c=16, persistent queue", "1 entry/POST, c=16, memory queue"),
		pq("1 entry/POST, c=16, persistent queue, linger 2ms", "1 entry/POST, c=16, memory queue"),
		pq("1 entry/POST, c=64, persistent queue", "1 entry/POST, c=64, memory queue"),
		pq("1 entry/POST, c=64, persistent queue, linger 2ms", "1 entry/POST, c=64, memory queue"))
}

func backlogTable(b *strings.Builder, backlog []result) {
	b.WriteString("Peak RSS against backlog (database unreachable through a proxy while 100-entry POSTs arrive at c=16, persistent queue; then the database comes back and every row is checked):\n\n")
	b.WriteString("| case | rows queued | ingest entries/s | peak RSS (VmHWM) | peak RssAnon | queue files on disk | drained |\n|---|---|---|---|---|---|---|\n")
	var hwm, anon, rows []string
	for _, r := range backlog {
		if r.Err != nil {
			fmt.Fprintf(b, "| %s | failed: %v ||||||\n", r.Case.Name, strings.ReplaceAll(r.Err.Error(), "|", "/"))
			continue
		}
		fmt.Fprintf(b, "| %s | %d | %.0f | %d MiB | %d MiB | %d MiB | %d rows, exactly once |\n",
			r.Case.Name, r.BacklogRows, r.EntPerSec, r.PeakRSSMiB, r.PeakAnonMiB, r.BacklogQueueDirKiB>>10, r.Rows)
		hwm = append(hwm, fmt.Sprint(r.PeakRSSMiB))
		anon = append(anon, fmt.Sprint(r.PeakAnonMiB))
		rows = append(rows, fmt.Sprint(r.BacklogRows))
	}
	if len(rows) >= 2 {
		fmt.Fprintf(b, "\n- peak RSS bounded by configuration, not backlog (persistent queue): with %s rows queued, VmHWM %s MiB, RssAnon %s MiB.\n",
			strings.Join(rows, " / "), strings.Join(hwm, " / "), strings.Join(anon, " / "))
	}
}

func ratio(r result) string {
	if r.Err != nil || r.SinkRowsPerSec == 0 || r.E2ERowsPerSec == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f %%", 100*r.E2ERowsPerSec/r.SinkRowsPerSec)
}

// writeSection replaces the text between the markers in path, or appends
// a new "End to end" section.
func writeSection(path, md string) error {
	old, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(old)
	block := beginMarker + "\n" + md + "\n" + endMarker
	if i := strings.Index(s, beginMarker); i >= 0 {
		if j := strings.Index(s[i:], endMarker); j >= 0 {
			s = s[:i] + block + s[i+j+len(endMarker):]
			return os.WriteFile(path, []byte(s), 0o644)
		}
	}
	s = strings.TrimRight(s, "\n") + "\n\n## End to end: HTTP → collector → MariaDB (`make bench-e2e`)\n\n" + block + "\n"
	return os.WriteFile(path, []byte(s), 0o644)
}
