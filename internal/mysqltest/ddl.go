package mysqltest

import (
	"embed"
	"regexp"
	"strings"
)

// The published access_logs DDLs (/work/shared/himarket/ddl.sql has them
// with their sources), one file each under ddl/: every test that runs on
// a table of a published DDL takes it from here.
const (
	// DDLInitSQL is db-log-collector's init.sql: TIMESTAMP NULL
	// start_time, indexes created separately.
	DDLInitSQL = "init_sql"
	// DDLPOCAutoCreate is the table db-log-collector creates itself on
	// MySQL 8: init.sql's columns, no secondary index (its CREATE INDEX IF
	// NOT EXISTS is MariaDB syntax).
	DDLPOCAutoCreate = "poc_autocreate"
	// DDLReadmeDatetime is the db-log-pusher README's: DATETIME NOT NULL
	// start_time, created_at, inline indexes.
	DDLReadmeDatetime = "readme_datetime"
	// DDLDocsBigint is the newest higress.cn guide's: BIGINT epoch-seconds
	// start_time, request_body and response_body.
	DDLDocsBigint = "docs_bigint"
)

// PublishedDDLs are the names above, TIMESTAMP first.
var PublishedDDLs = []string{DDLInitSQL, DDLPOCAutoCreate, DDLReadmeDatetime, DDLDocsBigint}

//go:embed ddl/*.sql
var ddlFiles embed.FS

var (
	sqlComment = regexp.MustCompile(`(?m)^--.*$`)
	tableName  = regexp.MustCompile("`?access_logs`?")
)

// PublishedDDL is the statements of the published DDL name, creating
// table (a quoted, qualified name) instead of access_logs.
func PublishedDDL(name, table string) []string {
	b, err := ddlFiles.ReadFile("ddl/" + name + ".sql")
	if err != nil {
		panic("mysqltest: no published DDL " + name)
	}
	var out []string
	for _, stmt := range strings.Split(sqlComment.ReplaceAllString(string(b), ""), ";") {
		if stmt = strings.TrimSpace(stmt); stmt != "" {
			out = append(out, tableName.ReplaceAllLiteralString(stmt, table))
		}
	}
	return out
}
