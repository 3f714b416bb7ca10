package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/otelcol-higress/otelcol-higress/internal/mysqlconn"
)

// cursor is the `next` token: where the previous page ended, in the sort
// order and window it was read with, so the next page continues by key
// (no OFFSET that slows down with depth, no row skipped or repeated when
// rows arrive meanwhile).
type cursor struct {
	Sort string `json:"s"`
	Desc bool   `json:"d"`
	// From and To are the window in Unix nanoseconds: a window defaulted
	// from "now" stays the same on every page.
	From int64 `json:"f"`
	To   int64 `json:"t"`
	// All: no window (a request_id or trace_id lookup).
	All bool `json:"a,omitempty"`
	// Value is the last row's sort value as text; nil when it was NULL.
	Value *string `json:"v"`
	ID    int64   `json:"i"`
}

// maxCursorLen bounds a token before it is decoded.
const maxCursorLen = 8192

func (c *cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

var errBadCursor = errors.New("next is not a token this server returned")

// decodeCursor reads a `next` token. It is client input like any other:
// its sort column is checked against the whitelist by the caller, and its
// values only ever become statement arguments.
func decodeCursor(s string) (*cursor, error) {
	if len(s) > maxCursorLen {
		return nil, errBadCursor
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, errBadCursor
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var c cursor
	if err := dec.Decode(&c); err != nil || dec.More() {
		return nil, errBadCursor
	}
	if c.ID < 0 || c.Sort == "" || c.To < c.From {
		return nil, errBadCursor
	}
	return &c, nil
}

func (c *cursor) window() window {
	if c.All {
		return window{all: true}
	}
	return window{from: time.Unix(0, c.From).UTC(), to: time.Unix(0, c.To).UTC()}
}

// sortText is a row's sort value as the cursor keeps it.
func sortText(v any) *string {
	var s string
	switch x := v.(type) {
	case nil:
		return nil
	case time.Time:
		s = x.UTC().Format(time.RFC3339Nano)
	case int64:
		s = strconv.FormatInt(x, 10)
	case float64:
		s = strconv.FormatFloat(x, 'g', -1, 64)
	case []byte:
		s = string(x)
	case string:
		s = x
	default:
		return nil
	}
	return &s
}

// sortArg turns the cursor's text back into an argument of the column's type.
func sortArg(c *column, text string) (any, error) {
	switch c.class {
	case mysqlconn.ClassTime:
		t, err := time.Parse(time.RFC3339Nano, text)
		if err != nil {
			return nil, errBadCursor
		}
		return t.UTC(), nil
	case mysqlconn.ClassInt, mysqlconn.ClassFloat:
		if n, err := strconv.ParseInt(text, 10, 64); err == nil {
			return n, nil
		}
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return nil, errBadCursor
		}
		return f, nil
	}
	return text, nil
}

// after adds the keyset condition "rows after the cursor" for ORDER BY
// sort dir, id dir. MySQL and MariaDB put NULLs first ascending and last
// descending, so NULL sort values have their own branch.
func (w *where) after(sort, id *column, c *cursor) error {
	col, idc := quote(sort), quote(id)
	if c.Value == nil {
		if c.Desc {
			w.add("("+col+" IS NULL AND "+idc+" < ?)", c.ID)
		} else {
			w.add("("+col+" IS NOT NULL OR ("+col+" IS NULL AND "+idc+" > ?))", c.ID)
		}
		return nil
	}
	v, err := sortArg(sort, *c.Value)
	if err != nil {
		return err
	}
	if c.Desc {
		w.add("("+col+" < ? OR ("+col+" = ? AND "+idc+" < ?) OR "+col+" IS NULL)", v, v, c.ID)
	} else {
		w.add("("+col+" > ? OR ("+col+" = ? AND "+idc+" > ?))", v, v, c.ID)
	}
	return nil
}
