// Command loadgen posts db-log-pusher-shaped entries to a collector and,
// with -dsn, checks that every acknowledged entry is stored exactly once.
//
//	go run ./cmd/loadgen -url http://127.0.0.1:8080/ingest -c 16 -duration 30s
//	go run ./cmd/loadgen -posts 1000 -per-post 100 -dsn 'root@tcp(127.0.0.1:3306)/higress'
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/otelcol-higress/otelcol-higress/internal/loadgen"
)

func main() {
	var (
		cfg     loadgen.Config
		dsn     = flag.String("dsn", "", "MySQL DSN to check the stored rows against (optional)")
		table   = flag.String("table", "access_logs", "table to check")
		within  = flag.Duration("wait", 2*time.Minute, "how long to wait for acknowledged rows to appear")
		jsonOut = flag.Bool("json", false, "print the summary as JSON")
	)
	flag.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080/ingest", "ingest URL")
	flag.StringVar(&cfg.RunID, "run", "load-"+strconv.FormatInt(time.Now().Unix(), 36), "request_id prefix of this run")
	flag.IntVar(&cfg.Concurrency, "c", 16, "concurrent keep-alive connections")
	flag.IntVar(&cfg.Posts, "posts", 0, "stop after this many POSTs")
	flag.DurationVar(&cfg.Duration, "duration", 0, "stop after this long")
	flag.Float64Var(&cfg.Rate, "rate", 0, "POSTs per second (0: unlimited)")
	flag.IntVar(&cfg.PerPost, "per-post", 1, "entries per POST (1: object, >1: array)")
	flag.IntVar(&cfg.Padding, "padding", 0, "request/response body bytes per entry")
	flag.Parse()
	if cfg.Posts == 0 && cfg.Duration == 0 {
		cfg.Duration = 10 * time.Second
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := loadgen.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	summary := map[string]any{
		"run": cfg.RunID, "posts": res.Posts, "acked_posts": res.Acked, "refused": res.Refused,
		"failed": res.Failed, "acked_entries": len(res.AckedIDs), "status": res.Status,
		"posts_per_s": round(res.PostsPerSecond()), "entries_per_s": round(res.PostsPerSecond() * float64(cfg.PerPost)),
		"p50_ms": ms(res.Percentile(50)), "p99_ms": ms(res.Percentile(99)),
	}
	if *dsn != "" {
		rep, err := check(ctx, *dsn, *table, cfg.RunID, res.AckedIDs, *within)
		if err != nil {
			fmt.Fprintln(os.Stderr, "check:", err)
			os.Exit(2)
		}
		summary["stored_rows"], summary["missing"], summary["duplicated"] = rep.Rows, len(rep.Missing), len(rep.Duplicated)
		defer func() {
			if !rep.OK() {
				os.Exit(1)
			}
		}()
	}
	if *jsonOut {
		_ = json.NewEncoder(os.Stdout).Encode(summary)
		return
	}
	for _, k := range []string{"run", "posts", "acked_posts", "refused", "failed", "acked_entries", "posts_per_s", "entries_per_s", "p50_ms", "p99_ms", "stored_rows", "missing", "duplicated", "status"} {
		if v, ok := summary[k]; ok {
			fmt.Printf("%-14s %v\n", k, v)
		}
	}
}

func check(ctx context.Context, dsn, table, runID string, acked []string, within time.Duration) (loadgen.Report, error) {
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return loadgen.Report{}, err
	}
	defer db.Close()
	return loadgen.WaitComplete(ctx, db, table, runID, acked, within)
}

func ms(d time.Duration) float64 { return round(float64(d.Microseconds()) / 1000) }
func round(f float64) float64    { return float64(int64(f*10+0.5)) / 10 }
