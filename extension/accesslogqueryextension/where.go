package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"strings"
	"time"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// where is a WHERE clause under construction: the text holds quoted
// identifiers and placeholders only; every value is an argument.
type where struct {
	parts []string
	args  []any
}

func (w *where) add(sql string, args ...any) {
	w.parts = append(w.parts, sql)
	w.args = append(w.args, args...)
}

// String is the clause, "1 = 1" when there is no condition.
func (w *where) String() string {
	if len(w.parts) == 0 {
		return "1 = 1"
	}
	return strings.Join(w.parts, " AND ")
}

func quote(c *column) string { return accesslog.QuoteIdent(c.name) }

// likeEscape is the LIKE escape character; not a backslash, whose meaning
// depends on the server's NO_BACKSLASH_ESCAPES mode.
const likeEscape = "!"

// containsPattern makes s a LIKE pattern matching it as a literal substring
// (the POC passed % and _ through as wildcards).
func containsPattern(s string) string {
	r := strings.NewReplacer(likeEscape, likeEscape+likeEscape, "%", likeEscape+"%", "_", likeEscape+"_")
	return "%" + r.Replace(s) + "%"
}

func (w *where) conditions(conds []condition) {
	for _, c := range conds {
		switch c.op {
		case opContains:
			w.add(quote(c.col)+" LIKE ? ESCAPE '"+likeEscape+"'", containsPattern(c.value.(string)))
		case opAtLeast:
			w.add(quote(c.col)+" >= ?", c.value)
		case opBelow:
			w.add(quote(c.col)+" < ?", c.value)
		case opError:
			w.add("(" + quote(c.col) + " = 0 OR " + quote(c.col) + " >= 400)")
		default:
			w.add(quote(c.col)+" = ?", c.value)
		}
	}
}

// window bounds start_time inclusively on both ends, in the column's own
// type: an instant for TIMESTAMP/DATETIME (the session is UTC), whole
// epoch seconds for a BIGINT column.
func (w *where) window(s *tableSchema, win window) {
	if win.all {
		return
	}
	col := quote(s.start)
	w.add(col+" >= ?", s.startArg(win.from, true))
	w.add(col+" <= ?", s.startArg(win.to, false))
}

// startArg is t as a start_time comparison value. An epoch column holds
// whole seconds: a lower bound rounds up, an upper bound down.
func (s *tableSchema) startArg(t time.Time, lower bool) any {
	if !s.epochStart {
		return t.UTC()
	}
	sec := t.Unix()
	if lower && t.Nanosecond() > 0 {
		sec++
	}
	return sec
}
