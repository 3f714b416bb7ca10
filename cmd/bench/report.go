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
	fmt.Fprintf(&b, "Machine: %s. Load generator, collector and database share the machine.\n\n", machine)
	fmt.Fprintf(&b, "Each throughput case: fresh database and collector process (memory_limiter 512/128 MiB, ailog, mysqlaccesslog with its defaults: in-memory queue bounded at 128 MiB (bytes) or, with the persistent queue, file_storage, 4 consumers, batches of 1000–5000, INSERT of ≤1000 rows), %v of closed-loop load (keep-alive, ~1.5 KB CONTRACT §1 entries from internal/loadgen), then wait until every acknowledged row is visible. "+
		"**e2e rows/s** = acknowledged rows ÷ (first request → last row visible). **sink rows/s** = the same rows copied straight into a `CREATE TABLE … LIKE access_logs` table (same columns, indexes, unique uid key) with multi-row INSERTs of 1000 rows on 4 connections, right after the case. CPU = collector utime+stime (/proc/PID/stat) over the same interval; peak RSS = VmHWM.\n\n", dur)
	b.WriteString("| case | HTTP req/s | entries/s acked | p50 | p99 | e2e rows/s | sink rows/s | e2e ÷ sink | CPU-s / 10k rows | peak RSS (VmHWM) | peak RssAnon | POSTs not acked |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	byName := map[string]result{}
	for _, r := range results {
		byName[r.Case.Name] = r
		if r.Case.BacklogPosts > 0 {
			continue
		}
		if r.Err != nil {
			fmt.Fprintf(&b, "| %s | failed: %v ||||||||||\n", r.Case.Name, strings.ReplaceAll(r.Err.Error(), "|", "/"))
			continue
		}
		fmt.Fprintf(&b, "| %s | %.0f | %.0f | %s | %s | %.0f | %.0f | %.0f %% | %.2f | %d MiB | %d MiB | %d |\n",
			r.Case.Name, r.ReqPerSec, r.EntPerSec, ms(r.P50), ms(r.P99), r.E2ERowsPerSec, r.SinkRowsPerSec,
			100*r.E2ERowsPerSec/r.SinkRowsPerSec, r.CPUPer10k, r.PeakRSSMiB, r.PeakAnonMiB, r.Refused)
	}
	var backlog []result
	for _, r := range results {
		if r.Case.BacklogPosts > 0 {
			backlog = append(backlog, r)
		}
	}
	if len(backlog) > 0 {
		b.WriteString("\nPeak RSS against backlog (database unreachable through a proxy while 100-entry POSTs arrive at c=16, persistent queue; then the database comes back and every row is checked):\n\n")
		b.WriteString("| case | rows queued | ingest entries/s | peak RSS (VmHWM) | peak RssAnon | queue files on disk | drained |\n|---|---|---|---|---|---|---|\n")
		for _, r := range backlog {
			if r.Err != nil {
				fmt.Fprintf(&b, "| %s | failed: %v ||||||\n", r.Case.Name, strings.ReplaceAll(r.Err.Error(), "|", "/"))
				continue
			}
			fmt.Fprintf(&b, "| %s | %d | %.0f | %d MiB | %d MiB | %d MiB | %d rows, exactly once |\n",
				r.Case.Name, r.BacklogRows, r.EntPerSec, r.PeakRSSMiB, r.PeakAnonMiB, r.BacklogQueueDirKiB>>10, r.Rows)
		}
	}
	b.WriteString("\nTargets (ratios from this run):\n\n")
	if a, ok := byName["100 entries/POST, c=16, persistent queue"]; ok && a.Err == nil {
		fmt.Fprintf(&b, "- e2e ≥ 80 %% of the sink with array POSTs: persistent queue %.0f %%, memory queue %s.\n",
			100*a.E2ERowsPerSec/a.SinkRowsPerSec, ratio(byName["100 entries/POST, c=16, memory queue"]))
	}
	pq := func(p, m string) string {
		a, b := byName[p], byName[m]
		if a.Err != nil || b.Err != nil || b.E2ERowsPerSec == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.0f %% (%.0f vs %.0f rows/s)", 100*(1-a.E2ERowsPerSec/b.E2ERowsPerSec), a.E2ERowsPerSec, b.E2ERowsPerSec)
	}
	fmt.Fprintf(&b, "- persistent queue cost ≤ 30 %% of e2e throughput: single-entry POSTs %s; array POSTs %s.\n",
		pq("1 entry/POST, c=16, persistent queue", "1 entry/POST, c=16, memory queue"),
		pq("100 entries/POST, c=16, persistent queue", "100 entries/POST, c=16, memory queue"))
	if len(backlog) >= 2 {
		var hwm, anon, rows []string
		for _, r := range backlog {
			if r.Err == nil {
				hwm = append(hwm, fmt.Sprint(r.PeakRSSMiB))
				anon = append(anon, fmt.Sprint(r.PeakAnonMiB))
				rows = append(rows, fmt.Sprint(r.BacklogRows))
			}
		}
		fmt.Fprintf(&b, "- peak RSS bounded by configuration, not backlog (persistent queue): with %s rows queued, VmHWM %s MiB, RssAnon %s MiB.\n",
			strings.Join(rows, " / "), strings.Join(hwm, " / "), strings.Join(anon, " / "))
	}
	return b.String()
}

func ratio(r result) string {
	if r.Err != nil || r.SinkRowsPerSec == 0 {
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
