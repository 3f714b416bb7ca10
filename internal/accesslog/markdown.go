package accesslog

import (
	"fmt"
	"strings"
)

// The tables the docs show are rendered from the tables here, so the
// documented mapping is the mapping the code uses (TestGeneratedDocs keeps
// them equal).

// MarkdownTable renders the field table: JSON field → attribute → column.
func MarkdownTable() string {
	b := newTable("JSON field (db-log-pusher)", "OTel attribute", "type", "`access_logs` column")
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
		fmt.Fprintf(b, "| `%s` | %s | %s | %s |\n", f.JSON, attr, f.Kind, col)
	}
	fmt.Fprintf(b, "| any other field | `%s<name>` | as sent | — |\n", AttrExtraPrefix)
	return b.String()
}

// ColumnsMarkdownTable renders the access_logs columns the exporter
// creates, and the indexes HiMarket's filters need.
func ColumnsMarkdownTable() string {
	b := newTable("column", "type when the exporter creates the table", "index")
	fmt.Fprintf(b, "| `%s` | `BIGINT AUTO_INCREMENT` | primary key |\n", PrimaryKeyColumn)
	for _, f := range append(Fields[:len(Fields):len(Fields)], RecordUID) {
		if f.Column == "" {
			continue
		}
		typ, index := "— (written only if the table has it)", ""
		if f.SQLType != "" {
			typ = "`" + f.SQLType + "`"
		}
		switch {
		case f.Attr == AttrStartTime:
			index = "`(start_time)`"
		case f.Attr == AttrRecordUID:
			index = "unique (with `start_time` when partitioned)"
		case f.Indexed:
			index = "`(" + f.Column + ", start_time)`"
		}
		fmt.Fprintf(b, "| `%s` | %s | %s |\n", f.Column, typ, index)
	}
	return b.String()
}

// AILogMarkdownTable renders the ai_log table: key → flat attribute →
// the column attribute it fills when the top level lacks it.
func AILogMarkdownTable() string {
	b := newTable("ai_log key", "attribute", "type", "fills column attribute", "content")
	for _, k := range AILogKeys {
		attr := "`" + k.Attr + "`"
		switch {
		case k.Key == AILogModel:
			attr += " (not when `\"" + AILogUnknownModel + "\"`)"
		case k.Attr == k.Column:
			attr += " (column fill only)"
		}
		if k.Kind == AIObject {
			attr = "`" + k.Attr + ".<entry>`"
		}
		fills := ""
		if k.Column != "" {
			fills = "`" + k.Column + "`"
		}
		var entries []string
		for _, d := range AILogDetails {
			if d.Object == k.Key {
				entries = append(entries, strings.TrimPrefix(d.Provider+"'s `"+d.Entry+"`", "'s "))
				fills = "its " + strings.Join(entries, ", else ") + " → `" + d.Column + "`"
			}
		}
		content := ""
		if k.Content {
			content = "yes"
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s | %s |\n", k.Key, attr, k.Kind, fills, content)
	}
	fmt.Fprintf(b, "| any other (custom) key | `%s` | as sent |  |  |\n", AILogCustomAttr("<key>"))
	return b.String()
}

// newTable starts a table with a row of titles.
func newTable(titles ...string) *strings.Builder {
	b := &strings.Builder{}
	b.WriteString("| " + strings.Join(titles, " | ") + " |\n|" + strings.Repeat("---|", len(titles)) + "\n")
	return b
}

func (k AIKind) String() string {
	switch k {
	case AIString:
		return "string"
	case AINumber:
		return "int / double"
	case AIText:
		return "string (any JSON as text)"
	case AIObject:
		return "entries flattened, numbers typed; object or JSON string"
	case AIJSON:
		return "as sent (string, map, slice)"
	}
	return "unknown"
}
