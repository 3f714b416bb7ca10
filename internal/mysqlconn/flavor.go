package mysqlconn

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// Flavor is which server speaks the MySQL protocol at the other end: the
// DDL and the retention method differ, the statements that read and write
// rows do not.
type Flavor int

const (
	// MySQL is MySQL 8 and every server that is neither of the others
	// (go-mysql-server, the MySQL 8 dialect run in process).
	MySQL Flavor = iota
	MariaDB
	// TiDB is MySQL's protocol on a distributed store: its DDL avoids an
	// append hotspot and its retention is row TTL.
	TiDB
)

func (f Flavor) String() string {
	switch f {
	case MariaDB:
		return "mariadb"
	case TiDB:
		return "tidb"
	}
	return "mysql"
}

// Server is what Detect found.
type Server struct {
	Flavor Flavor
	// Version is VERSION(); for TiDB the release of tidb_version().
	Version string
}

// Detect asks the server what it is. tidb_version() exists only on TiDB
// (which also reports a MySQL-like VERSION()); any other server refuses it
// with an SQL error. Errors that are not the server's answer (the
// database away) are returned: the caller retries.
func Detect(ctx context.Context, db *sql.DB) (Server, error) {
	var version string
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		return Server{}, err
	}
	var tidb string
	err := db.QueryRowContext(ctx, "SELECT tidb_version()").Scan(&tidb)
	var me *mysql.MySQLError
	switch {
	case err == nil:
		return Server{Flavor: TiDB, Version: tidbRelease(tidb, version)}, nil
	case !errors.As(err, &me):
		return Server{}, err
	case strings.Contains(strings.ToLower(version), "mariadb"):
		return Server{Flavor: MariaDB, Version: version}, nil
	}
	return Server{Flavor: MySQL, Version: version}, nil
}

// tidbRelease is the "Release Version: v…" line of tidb_version(), else
// VERSION().
func tidbRelease(info, version string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Release Version:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return version
}
