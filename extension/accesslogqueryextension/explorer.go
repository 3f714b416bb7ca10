package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	_ "embed"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/otelcol-higress/otelcol-higress/internal/accesslog"
)

// explorerHTML is the log explorer: one file, no build step, no external
// asset. The fields it shows come from explorerMeta, filled in at start.
//
//go:embed explorer.html
var explorerHTML string

const metaMarker = "{{META}}"

// explorerColumn is a column of the results table: a field's column or an
// ai_log key (AILog), and how its values read (the page adds units).
type explorerColumn struct {
	Key   string `json:"key"`
	AILog string `json:"ai_log,omitempty"`
	Label string `json:"label"`
	Kind  string `json:"kind"` // time, code, ms, tokens, cost, text
}

type explorerMeta struct {
	// Filters are the text filters under "more filters", path first.
	Filters []string `json:"filters"`
	// Pickers are the fields with a value picker (with counts).
	Pickers []string `json:"pickers"`
	// Lookup are the ids the search box finds in the whole table.
	Lookup  []string         `json:"lookup"`
	Sorts   []string         `json:"sorts"`
	Columns []explorerColumn `json:"columns"`
	// Timing are the detail view's timing breakdown, Conversation the ai_log
	// keys of the question and the answer.
	Timing       []explorerColumn  `json:"timing"`
	Conversation []string          `json:"conversation"`
	ID           string            `json:"id"`
	Time         string            `json:"time"`
	Code         string            `json:"code"`
	Duration     string            `json:"duration"`
	Tokens       string            `json:"tokens"`
	Cost         string            `json:"cost"`
	AILog        string            `json:"ai_log"`
	MaxWindow    int64             `json:"max_window_seconds"`
	PageSize     int               `json:"max_page_size"`
	Paths        map[string]string `json:"paths"`
}

// columnOf is the column of a field the extension itself names, by its
// attribute.
func columnOf(attr string) string { return accesslog.Fields[accesslog.IndexOfAttr(attr)].Column }

// aiKey is an ai_log key the page reads; a key the ai_log table lacks is a
// programming error.
func aiKey(key string) string {
	if _, ok := accesslog.AILogByKey(key); !ok {
		panic("accesslogquery: no ai_log key " + key)
	}
	return key
}

// explorerPage is the page with its metadata in place.
func explorerPage(cfg *Config) ([]byte, error) {
	col := func(attr, label, kind string) explorerColumn {
		return explorerColumn{Key: columnOf(attr), Label: label, Kind: kind}
	}
	ttft := explorerColumn{AILog: aiKey("llm_first_token_duration"), Label: "TTFT", Kind: "ms"}
	m := explorerMeta{
		Pickers: []string{jsonName(accesslog.AttrModel), jsonName(accesslog.AttrConsumer)},
		Lookup:  lookupParams,
		Sorts:   sortParams,
		Columns: []explorerColumn{
			col(accesslog.AttrStartTime, "time", "time"),
			col(accesslog.AttrResponseCode, "status", "code"),
			col(accesslog.AttrMethod, "method", "text"),
			col(accesslog.AttrPath, "path", "text"),
			col(accesslog.AttrModel, "model", "text"),
			col(accesslog.AttrConsumer, "consumer", "text"),
			col(accesslog.AttrDuration, "duration", "ms"),
			ttft,
			col(accesslog.AttrTotalTokens, "tokens", "tokens"),
			col(accesslog.AttrCost, "cost", "cost"),
			col(accesslog.AttrRequestID, "request_id", "text"),
		},
		Timing: []explorerColumn{
			col(accesslog.AttrDuration, "total at the gateway", "ms"),
			col(accesslog.AttrUpstreamTime, "upstream", "ms"),
			ttft,
			{AILog: aiKey("llm_service_duration"), Label: "LLM service", Kind: "ms"},
		},
		Conversation: []string{aiKey("system"), aiKey("question"), aiKey("reasoning"), aiKey("answer")},
		ID:           accesslog.PrimaryKeyColumn,
		Time:         columnOf(accesslog.AttrStartTime),
		Code:         columnOf(accesslog.AttrResponseCode),
		Duration:     columnOf(accesslog.AttrDuration),
		Tokens:       columnOf(accesslog.AttrTotalTokens),
		Cost:         columnOf(accesslog.AttrCost),
		AILog:        columnOf(accesslog.AttrAILog),
		MaxWindow:    int64(cfg.MaxWindow / time.Second),
		PageSize:     cfg.MaxPageSize,
		Paths:        map[string]string{"query": pathQuery, "stats": pathStats, "tail": pathTail},
	}
	m.Filters = append([]string{paramPath}, slices.DeleteFunc(slices.Clone(equalityParams), func(p string) bool {
		return slices.Contains(m.Pickers, p) || slices.Contains(m.Lookup, p)
	})...)
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
	// Everything the page needs is inline; it talks to this server only
	// (exports are blob: downloads the page makes itself).
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(e.page)
}
