package higresslogreceiver // import "github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver"

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"

	"github.com/otelcol-higress/otelcol-higress/receiver/higresslogreceiver/internal/metadata"
)

const (
	transportHTTP = "http"
	formatHigress = "higress_json"
)

type higressReceiver struct {
	cfg       *Config
	settings  receiver.Settings
	next      consumer.Logs
	obsrecv   *receiverhelper.ObsReport
	telemetry *metadata.TelemetryBuilder

	wal *writeAheadLog // nil without wal::storage

	server *http.Server
	addr   net.Addr // bound address; endpoint may say port 0
	wg     sync.WaitGroup
}

func newReceiver(set receiver.Settings, cfg *Config, next consumer.Logs) (*higressReceiver, error) {
	obsrecv, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID:             set.ID,
		Transport:              transportHTTP,
		ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, err
	}
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	return &higressReceiver{cfg: cfg, settings: set, next: next, obsrecv: obsrecv, telemetry: tb}, nil
}

// Start listens on the endpoint. A port that cannot be bound is a start
// error; anything the server meets later is reported as a fatal status.
func (r *higressReceiver) Start(ctx context.Context, host component.Host) error {
	// ToServer fills defaults into the config it is given; work on a copy so
	// the user's config stays as loaded.
	srvCfg := r.cfg.ServerConfig
	if r.cfg.WAL.Storage != nil {
		if err := r.openWAL(ctx, host); err != nil {
			return err
		}
	}
	fail := func(err error) error {
		if r.wal != nil {
			err = errors.Join(err, r.closeWAL(ctx, 0))
			r.wal = nil
		}
		return err
	}
	ln, err := srvCfg.ToListener(ctx)
	if err != nil {
		return fail(err)
	}
	handler, err := srvCfg.ToServer(ctx, host.GetExtensions(), r.settings.TelemetrySettings, r.ingestMux(),
		confighttpErrorHandler())
	if err != nil {
		_ = ln.Close()
		return fail(err)
	}
	r.server = handler
	r.addr = ln.Addr()
	// The health path bypasses auth and the rest of confighttp's chain: the
	// POC's probes call it without credentials on the same port.
	inner := handler.Handler
	health := r.cfg.HealthPath
	handler.Handler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == health {
			r.handleHealth(w, req)
			return
		}
		inner.ServeHTTP(w, req)
	})

	r.settings.Logger.Info("higresslog receiver listening",
		zap.String("endpoint", ln.Addr().String()), zap.String("ingest_path", r.cfg.IngestPath))
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		if err := r.server.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			componentstatus.ReportStatus(host, componentstatus.NewFatalErrorEvent(err))
		}
	}()
	return nil
}

// Shutdown stops accepting and waits for in-flight requests, so every entry
// that was answered 2xx has been handed to the pipeline (or is in the
// write-ahead log), then lets the log's feeders empty it for up to
// wal::drain_timeout, so that nothing reaches the next consumer once it
// returns.
func (r *higressReceiver) Shutdown(ctx context.Context) error {
	var err error
	if r.server != nil {
		err = r.server.Shutdown(ctx)
		if errors.Is(err, net.ErrClosed) {
			err = nil
		}
	}
	if r.wal != nil {
		err = errors.Join(err, r.closeWAL(ctx, r.cfg.WAL.DrainTimeout))
	}
	r.wg.Wait()
	if r.telemetry != nil {
		r.telemetry.Shutdown()
	}
	return err
}

func (r *higressReceiver) ingestMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(r.cfg.IngestPath, r.handleIngest)
	if r.cfg.IngestPath != "/" {
		// db-log-pusher's default collector_path is "/".
		mux.HandleFunc("/{$}", r.handleIngest)
	}
	return mux
}
