package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/go-sql-driver/mysql"
	"go.uber.org/zap"
)

var errNoTable = errors.New("the access-log table does not exist")

// badRequest is a parameter the client got wrong: 400 with its message.
type badRequest struct{ msg string }

func (e *badRequest) Error() string { return e.msg }

func badf(format string, args ...any) error {
	return &badRequest{msg: fmt.Sprintf(format, args...)}
}

// object is a JSON object whose keys keep their order (the POC's field
// order for logs), which a Go map would sort.
type object []member

type member struct {
	key   string
	value any
}

func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(m.value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"status":"error","error":"encoding the response failed"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// serve answers a GET of one JSON object: read, given the live table's
// schema, within query_timeout.
func (e *queryExtension) serve(read func(ctx context.Context, q url.Values, s *tableSchema) (object, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), e.cfg.QueryTimeout)
		defer cancel()
		s, err := e.schema.get(ctx)
		var resp object
		if err == nil {
			resp, err = read(ctx, r.URL.Query(), s)
		}
		if err != nil {
			writeError(w, e.logger, err)
			return
		}
		writeJSON(w, http.StatusOK, resp)
	}
}

// writeFailure answers with the POC's error shape {"status":"error","error":…}.
func writeFailure(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, object{{"status", "error"}, {"error", msg}})
}

// writeError answers err with its status and a message for the client.
// Database details go to the log, not to the client.
func writeError(w http.ResponseWriter, logger *zap.Logger, err error) {
	status, msg := http.StatusInternalServerError, "the query failed"
	var bad *badRequest
	var myErr *mysql.MySQLError
	switch {
	case errors.As(err, &bad):
		status, msg = http.StatusBadRequest, bad.msg
	case errors.Is(err, errNoTable):
		status, msg = http.StatusServiceUnavailable, err.Error()
	case errors.Is(err, context.DeadlineExceeded):
		status, msg = http.StatusGatewayTimeout, "the query took longer than query_timeout; narrow the window or add filters"
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads the answer.
		return
	case errors.As(err, &myErr):
		logger.Warn("access-log query failed", zap.Error(err))
	default:
		status, msg = http.StatusServiceUnavailable, "the database is unavailable"
		logger.Warn("access-log database unavailable", zap.Error(err))
	}
	writeFailure(w, status, msg)
}

// errNoWatermark: the first look at the table did not answer in time.
var errNoWatermark = errors.New("reading the newest row id timed out")
