package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	grpcstatus "google.golang.org/grpc/status"
)

// answer is the JSON body of every ingest response.
type answer struct {
	Accepted int          `json:"accepted"`
	Rejected int          `json:"rejected"`
	Errors   []entryError `json:"errors,omitempty"`
	Error    string       `json:"error,omitempty"`
}

// maxReportedErrors keeps the answer small when a body is mostly garbage.
const maxReportedErrors = 20

// retryAfterSeconds is what a refused sender is told to wait.
const retryAfterSeconds = "1"

func (r *higressReceiver) handleIngest(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeAnswer(w, http.StatusMethodNotAllowed, answer{Error: "method " + req.Method + " not allowed: POST entries to this path"})
		return
	}
	headroom := 0
	if r.wal != nil {
		headroom = walHeaderSize
	}
	rec, err := readBody(req.Body, req.ContentLength, headroom)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			r.countRejected(req, reasonTooLarge, 1)
			writeAnswer(w, http.StatusRequestEntityTooLarge, answer{Error: fmt.Sprintf("body larger than max_request_body_size (%d bytes)", tooBig.Limit)})
			return
		}
		writeAnswer(w, http.StatusBadRequest, answer{Error: "reading body: " + err.Error()})
		return
	}

	body := rec[headroom:]
	received := newArrival(time.Now())
	ld, rep, err := buildLogs(body, received, r.cfg.ServiceName, r.cfg.MaxExtraFields)
	if err != nil {
		var be *bodyError
		reason := reasonInvalidJSON
		if errors.As(err, &be) {
			reason = be.reason
		}
		r.countRejected(req, reason, 1)
		writeAnswer(w, http.StatusBadRequest, answer{Rejected: 1, Error: err.Error()})
		return
	}
	problems := rep.problems
	for _, p := range problems {
		r.countRejected(req, p.Reason, 1)
	}
	if rep.extraCut > 0 {
		r.telemetry.ReceiverHigresslogExtraFieldsDropped.Add(req.Context(), int64(rep.extraCut))
	}
	accepted := ld.LogRecordCount()
	if accepted == 0 {
		writeAnswer(w, http.StatusBadRequest, answer{Rejected: len(problems), Errors: capErrors(problems), Error: "no usable entry in body"})
		return
	}

	ctx := r.obsrecv.StartLogsOp(req.Context())
	if r.wal != nil {
		err = r.appendWAL(ctx, rec, received, ld)
	} else {
		err = r.next.ConsumeLogs(ctx, ld)
	}
	r.obsrecv.EndLogsOp(ctx, formatHigress, accepted, err)
	if err != nil {
		r.refuse(w, err, accepted)
		return
	}
	writeAnswer(w, http.StatusOK, answer{Accepted: accepted, Rejected: len(problems), Errors: capErrors(problems)})
}

// refuse answers when the pipeline did not take the entries, so that
// nothing is acknowledged that was not taken. As the otlp receiver does: a
// permanent failure downstream is the collector's, not the body's (500);
// a gRPC ResourceExhausted status is 429; anything else (memory_limiter,
// a full sending queue, shutdown) is back-pressure (503). 429 and 503
// carry Retry-After.
func (r *higressReceiver) refuse(w http.ResponseWriter, err error, n int) {
	status := http.StatusServiceUnavailable
	switch {
	case consumererror.IsPermanent(err):
		status = http.StatusInternalServerError
	case grpcstatus.Code(err) == codes.ResourceExhausted:
		status = http.StatusTooManyRequests
	}
	if status == http.StatusInternalServerError {
		r.settings.Logger.Warn("pipeline rejected entries permanently", zap.Int("entries", n), zap.Error(err))
		writeAnswer(w, status, answer{Rejected: n, Error: "rejected by the pipeline: " + err.Error()})
		return
	}
	w.Header().Set("Retry-After", retryAfterSeconds)
	writeAnswer(w, status, answer{Rejected: n, Error: "collector busy, retry later: " + err.Error()})
}

func (r *higressReceiver) handleHealth(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, `{"status":"ok"}`)
}

func (r *higressReceiver) countRejected(req *http.Request, reason string, n int64) {
	r.telemetry.ReceiverHigresslogRejectedEntries.Add(req.Context(), n,
		metric.WithAttributes(attribute.String("reason", reason)))
}

// readBody reads a request body behind headroom bytes of room for the
// write-ahead log's record header, so that the stored record needs no
// second copy.
func readBody(r io.Reader, contentLength int64, headroom int) ([]byte, error) {
	var buf bytes.Buffer
	if contentLength > 0 {
		// ReadFrom wants MinRead bytes free to see the end of the body;
		// without them a body of exactly Content-Length is copied once more.
		buf.Grow(headroom + int(contentLength) + bytes.MinRead)
	}
	buf.Write(make([]byte, headroom))
	_, err := buf.ReadFrom(r)
	return buf.Bytes(), err
}

func capErrors(p []entryError) []entryError {
	if len(p) > maxReportedErrors {
		return p[:maxReportedErrors]
	}
	return p
}

func writeAnswer(w http.ResponseWriter, status int, a answer) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(a)
}

// confighttpErrorHandler makes confighttp's own refusals (bad encoding,
// auth) answer in the same JSON shape as ours.
func confighttpErrorHandler() confighttp.ToServerOption {
	return confighttp.WithErrorHandler(func(w http.ResponseWriter, _ *http.Request, msg string, status int) {
		writeAnswer(w, status, answer{Error: strings.TrimSpace(msg)})
	})
}
