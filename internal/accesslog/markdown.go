package accesslog

import (
	"fmt"
	"strings"
)

// MarkdownTable renders the field table for README.md, so the documented
// mapping is the mapping the code uses (a test keeps them equal).
func MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| JSON field (db-log-pusher) | OTel attribute | type | `access_logs` column |\n")
	b.WriteString("|---|---|---|---|\n")
	for _, f := range Fields {
		attr := "`" + f.Attr + "`"
		if f.Scope == Resource {
			attr += " (resource)"
		}
		if f.Kind == Time {
			attr += " + record timestamp"
		}
		col := "—"
		if f.Column != "" {
			col = "`" + f.Column + "`"
			if f.SQLType == "" {
				col += " (only if the table has it)"
			}
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", f.JSON, attr, f.Kind, col)
	}
	fmt.Fprintf(&b, "| any other field | `%s<name>` | as sent | — |\n", AttrExtraPrefix)
	return b.String()
}
