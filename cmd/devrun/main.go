// Command devrun is what `make run` runs: it starts the collector with a
// database behind it on a machine that has only Go. When MYSQL_DSN is set it
// uses that database; otherwise it starts an embedded MySQL-8-dialect server
// (go-mysql-server, in memory) on 127.0.0.1. It prints, once the collector
// answers, a curl that posts a sample entry and a command that shows the
// stored rows. Ctrl-C stops the collector (which drains) and then the DB.
//
// It is a development tool: nothing here is linked into the collector.
//
//	devrun [-db-addr 127.0.0.1:3307] [-health URL] -- bin/otelcol-higress --config config/local.yaml
//	devrun query [-dsn DSN] "SELECT …"
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "query" {
		os.Exit(queryMain(os.Args[2:]))
	}
	os.Exit(runMain(os.Args[1:]))
}

func usage(fs *flag.FlagSet, text string) {
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), text)
		fs.PrintDefaults()
	}
}
