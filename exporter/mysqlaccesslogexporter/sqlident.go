package mysqlaccesslogexporter // import "github.com/otelcol-higress/otelcol-higress/exporter/mysqlaccesslogexporter"

import "github.com/otelcol-higress/otelcol-higress/internal/accesslog"

// quoteIdent is the shared identifier quoting (accesslog.QuoteIdent).
var quoteIdent = accesslog.QuoteIdent

// qualified is `database`.`table`: statements name their database because
// the connection has no default one (it may not exist yet when connecting).
func qualified(database, table string) string {
	return quoteIdent(database) + "." + quoteIdent(table)
}
