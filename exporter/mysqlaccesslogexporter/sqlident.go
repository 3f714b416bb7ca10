package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import "strings"

// quoteIdent quotes an identifier for MySQL/MariaDB. Names come from
// configuration and the field table; values never go through here, they are
// always placeholders.
func quoteIdent(name string) string {
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

// qualified is `database`.`table`: statements name their database because
// the connection has no default one (it may not exist yet when connecting).
func qualified(database, table string) string {
	return quoteIdent(database) + "." + quoteIdent(table)
}
