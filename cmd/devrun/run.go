package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/otelcol-higress/otelcol-higress/internal/mysqltest"
)

const defaultDatabase = "higress"

func runMain(args []string) int {
	fs := flag.NewFlagSet("devrun", flag.ExitOnError)
	usage(fs, "usage: devrun [flags] -- COLLECTOR [ARGS…]")
	dbAddr := fs.String("db-addr", "127.0.0.1:3307", "where the embedded MySQL server listens when MYSQL_DSN is unset")
	health := fs.String("health", "http://127.0.0.1:8080/health", "collector health URL to wait for")
	ingest := fs.String("ingest", "http://127.0.0.1:8080/ingest", "ingest URL printed in the sample curl")
	sample := fs.String("sample", "receiver/higresslogreceiver/testdata/full_entry.json", "sample entry file printed in the curl")
	_ = fs.Parse(args)
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}

	dsn := os.Getenv("MYSQL_DSN")
	if dsn == "" {
		srv, err := mysqltest.StartMemory(*dbAddr, defaultDatabase)
		if err != nil {
			fmt.Fprintf(os.Stderr, "devrun: embedded MySQL on %s: %v (set MYSQL_DSN to use your own database)\n", *dbAddr, err)
			return 1
		}
		defer srv.Close()
		dsn = "root@tcp(" + srv.Addr() + ")/" + defaultDatabase
		fmt.Printf("devrun: MYSQL_DSN not set: embedded MySQL 8 dialect server (in memory) at %s, database %q\n", srv.Addr(), defaultDatabase)
	}

	cmd := exec.Command(fs.Arg(0), fs.Args()[1:]...)
	cmd.Env = append(os.Environ(), "MYSQL_DSN="+dsn)
	cmd.Stdout, cmd.Stderr, cmd.Stdin = os.Stdout, os.Stderr, os.Stdin
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "devrun:", err)
		return 1
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	// Ctrl-C reaches the whole foreground process group; forward SIGTERM
	// too, so the collector drains its queue before the DB goes away.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ready := make(chan struct{})
	go waitReady(*health, dsn, ready)

	for {
		select {
		case <-ready:
			printHints(*ingest, *sample, dsn)
			ready = nil
		case s := <-sigs:
			_ = cmd.Process.Signal(s)
		case err := <-exited:
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				return exit.ExitCode()
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "devrun:", err)
				return 1
			}
			return 0
		}
	}
}

// waitReady polls the collector's health endpoint and the database.
func waitReady(healthURL, dsn string, ready chan<- struct{}) {
	client := &http.Client{Timeout: time.Second}
	for range 600 {
		time.Sleep(200 * time.Millisecond)
		resp, err := client.Get(healthURL)
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && pingDB(dsn) == nil {
			close(ready)
			return
		}
	}
	fmt.Fprintf(os.Stderr, "devrun: collector not healthy at %s after 2 minutes\n", healthURL)
}

func pingDB(dsn string) error {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return err
	}
	cfg.Timeout = time.Second
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

func printHints(ingest, sample, dsn string) {
	fmt.Printf(`
==> otelcol-higress is up. Post a sample db-log-pusher entry:

  curl -s -XPOST %s -H 'Content-Type: application/json' -d @%s

==> then show the stored rows:

  %s query -dsn '%s' 'SELECT id, start_time, method, path, model, consumer, total_tokens, ai_log->>"$.response_type" AS response_type FROM access_logs ORDER BY id DESC LIMIT 5'

Ctrl-C stops everything.

`, ingest, sample, os.Args[0], redactedDSN(dsn))
}

// redactedDSN keeps the password out of the terminal: the query command
// reads MYSQL_DSN when -dsn carries a masked password.
func redactedDSN(dsn string) string {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil || cfg.Passwd == "" {
		return dsn
	}
	cfg.Passwd = "****"
	return cfg.FormatDSN()
}
