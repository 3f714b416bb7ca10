package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"embed"
	"strings"
	"text/template"
)

// The statements are templates over quoted identifiers and clauses of
// placeholders (where.go): no value is ever part of their text.
//
//go:embed sql/*.sql
var sqlFiles embed.FS

var statements = template.Must(template.New("sql").Funcs(template.FuncMap{
	"join": func(items []string) string { return strings.Join(items, ", ") },
}).ParseFS(sqlFiles, "sql/*.sql"))

// stmtData is what the templates fill in.
type stmtData struct {
	Table   string
	ID      string
	Columns string
	Where   string
	OrderBy string
	// Ranges is the id ranges a tail or its poller reads (idRanges).
	Ranges string
	// Stats
	Groups   []string
	UV       string
	Code     string
	Details  string
	Duration string
	Sums     []string
	// Series and facets
	Epoch string // start_time as Unix seconds
	Group string
}

func render(name string, d stmtData) string {
	var b strings.Builder
	if err := statements.ExecuteTemplate(&b, name, d); err != nil {
		// The templates are embedded and their data is fixed in code.
		panic("accesslogquery: template " + name + ": " + err.Error())
	}
	return b.String()
}

// quoteAll is the quoted names of cols.
func quoteAll(cols []*column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = quote(c)
	}
	return out
}

// selectList is the quoted column list of a log.
func selectList(cols []column) string {
	names := make([]string, len(cols))
	for i := range cols {
		names[i] = quote(&cols[i])
	}
	return strings.Join(names, ", ")
}
