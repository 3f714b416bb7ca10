package main

import (
	"database/sql"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/go-sql-driver/mysql"
)

// queryMain runs one SQL statement and prints the rows as a table: a
// mysql client for machines that have none.
func queryMain(args []string) int {
	fs := flag.NewFlagSet("query", flag.ExitOnError)
	usage(fs, "usage: devrun query [-dsn DSN] SQL")
	dsn := fs.String("dsn", os.Getenv("MYSQL_DSN"), "DSN (default $MYSQL_DSN); a password shown as **** is taken from $MYSQL_DSN")
	_ = fs.Parse(args)
	if fs.NArg() != 1 || *dsn == "" {
		fs.Usage()
		return 2
	}
	cfg, err := mysql.ParseDSN(*dsn)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dsn:", err)
		return 2
	}
	if cfg.Passwd == "****" {
		if env, err := mysql.ParseDSN(os.Getenv("MYSQL_DSN")); err == nil {
			cfg.Passwd = env.Passwd
		}
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	if err := printQuery(db, fs.Arg(0)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func printQuery(db *sql.DB, query string) error {
	rows, err := db.Query(query)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	vals := make([]sql.NullString, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		cells := make([]string, len(cols))
		for i, v := range vals {
			cells[i] = "NULL"
			if v.Valid {
				cells[i] = v.String
			}
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return rows.Err()
}
