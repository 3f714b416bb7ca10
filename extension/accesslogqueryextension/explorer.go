package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	_ "embed"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// explorerHTML is the log explorer: one file, no build step, no external
// asset. The fields it shows come from explorerMeta, filled in at start.
//
//go:embed explorer.html
var explorerHTML string

const metaMarker = "{{META}}"

// explorerColumns are the table's columns (every field shows in a row's
// detail), by db-log-pusher name.
var explorerColumns = []string{
	"start_time", "method", "authority", "path", "response_code", "duration",
	"model", "consumer", "total_tokens",
}

type windowInput struct {
	Name        string `json:"name"`
	Label       string `json:"label"`
	Placeholder string `json:"placeholder"`
}

type explorerMeta struct {
	Window  []windowInput     `json:"window"`
	Filters []string          `json:"filters"`
	Sorts   []string          `json:"sorts"`
	Columns []string          `json:"columns"`
	ID      string            `json:"id"`
	Time    string            `json:"time"`
	Code    string            `json:"code"`
	Paths   map[string]string `json:"paths"`
}

// columnOf is the column of a field the extension itself names; a name the
// field table lacks is a programming error.
func columnOf(jsonName string) string {
	i, ok := accesslog.IndexOf(jsonName)
	if !ok {
		panic("accesslogquery: no field " + jsonName)
	}
	return accesslog.Fields[i].Column
}

// explorerPage is the page with its metadata in place.
func explorerPage() ([]byte, error) {
	m := explorerMeta{
		Window: []windowInput{
			{Name: paramStartTime, Label: "start (UTC)", Placeholder: "last hour when empty"},
			{Name: paramEnd, Label: "end (UTC)", Placeholder: "now when empty"},
		},
		// status is the POC's second name of response_code: one input is enough.
		Filters: slices.DeleteFunc(filterParams(), func(p string) bool { return p == paramStatus }),
		Sorts:   sortParams,
		ID:      accesslog.PrimaryKeyColumn,
		Time:    columnOf(paramStartTime),
		Code:    columnOf(paramResponseCode),
		Paths:   map[string]string{"query": pathQuery, "stats": pathStats, "tail": pathTail},
	}
	for _, name := range explorerColumns {
		m.Columns = append(m.Columns, columnOf(name))
	}
	// json.Marshal escapes <, > and &, so the metadata cannot end the
	// script element it sits in.
	meta, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return []byte(strings.Replace(explorerHTML, metaMarker, string(meta), 1)), nil
}

func (e *queryExtension) servePage(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	// Everything the page needs is inline; it talks to this server only.
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(e.page)
}
