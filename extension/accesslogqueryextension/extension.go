package accesslogqueryextension // import "github.com/otelcol-higress/otelcol-higress/extension/accesslogqueryextension"

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"net/http"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/extension"
	"go.uber.org/zap"
)

// Paths the extension serves.
const (
	pathQuery = "/query"
	pathStats = "/query/stats"
	pathTail  = "/tail"
	pathPage  = "/"
)

type queryExtension struct {
	cfg    *Config
	set    extension.Settings
	logger *zap.Logger

	db     *sql.DB
	schema *schemaCache
	tails  *tailHub
	page   []byte

	server *http.Server
	addr   net.Addr // bound address; the endpoint may say port 0
	// stop ends every open tail, which would otherwise keep Shutdown
	// waiting for their connections to go idle.
	stop context.CancelFunc
	wg   sync.WaitGroup
}

func newQueryExtension(set extension.Settings, cfg *Config) *queryExtension {
	return &queryExtension{cfg: cfg, set: set, logger: set.Logger}
}

// Start listens on the endpoint. It does not touch the database: a
// database that is down makes requests fail (503), never the collector.
func (e *queryExtension) Start(ctx context.Context, host component.Host) error {
	var err error
	if e.db, err = openDB(ctx, e.cfg, e.logger); err != nil {
		return err
	}
	e.schema = &schemaCache{db: e.db, database: e.cfg.database(), table: e.cfg.Table, refresh: e.cfg.SchemaRefresh}
	if e.cfg.Explorer {
		if e.page, err = explorerPage(e.cfg); err != nil {
			return err
		}
	}
	tailCtx, stop := context.WithCancel(context.Background())
	e.stop = stop
	e.tails = newTailHub(tailCtx, e, &e.cfg.Tail)

	// ToServer fills defaults into the config it is given; work on a copy
	// so the user's config stays as loaded.
	srvCfg := e.cfg.ServerConfig
	ln, err := srvCfg.ToListener(ctx)
	if err != nil {
		return err
	}
	srv, err := srvCfg.ToServer(ctx, host.GetExtensions(), e.set.TelemetrySettings, e.routes(),
		confighttp.WithErrorHandler(func(w http.ResponseWriter, _ *http.Request, msg string, status int) {
			writeFailure(w, status, msg)
		}))
	if err != nil {
		_ = ln.Close()
		return err
	}
	e.server, e.addr = srv, ln.Addr()
	if e.cfg.Explorer {
		// The page is a static file holding no data: it is served without
		// authentication so that a browser can load it and then send the
		// credentials the user types with every data request.
		inner := srv.Handler
		srv.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == pathPage && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
				e.servePage(w, r)
				return
			}
			inner.ServeHTTP(w, r)
		})
	}
	e.logger.Info("access-log query API listening", zap.String("endpoint", ln.Addr().String()),
		zap.String("table", qualified(e.cfg.database(), e.cfg.Table)))
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			componentstatus.ReportStatus(host, componentstatus.NewFatalErrorEvent(err))
		}
	}()
	return nil
}

func (e *queryExtension) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+pathQuery, e.serve(e.queryPage))
	mux.HandleFunc("GET "+pathStats, e.serve(e.queryStats))
	mux.HandleFunc("GET "+pathTail, e.tails.handle)
	return mux
}

// Shutdown ends the open tails, stops the server, and waits for every
// goroutine the extension started.
func (e *queryExtension) Shutdown(ctx context.Context) error {
	var err error
	if e.stop != nil {
		e.stop()
	}
	if e.server != nil {
		err = e.server.Shutdown(ctx)
	}
	e.wg.Wait()
	if e.tails != nil {
		e.tails.wait()
	}
	if e.db != nil {
		err = errors.Join(err, e.db.Close())
	}
	return err
}
