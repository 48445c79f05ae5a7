package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/httpapi"
	"github.com/switchboard/switchboard/store"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func runServe(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, err := app.Parse("serve", args, os.LookupEnv, stderr)
	if err != nil {
		return err
	}
	log := cfg.NewLogger(stderr)
	cfg.Logger, cfg.Version = log, version
	cfg.LogEffective(log)

	unlock, err := store.LockSQLite(cfg.DSN)
	if err != nil {
		return err
	}
	defer unlock()
	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	servers := []*http.Server{httpapi.NewHTTPServer(cfg.Addr, a.Handler())}
	listeners := []net.Listener{ln}
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return err
		}
		servers = append(servers, metricsServer(cfg.MetricsAddr, a.MetricsHandler()))
		listeners = append(listeners, mln)
		log.Info("metrics listening", "addr", mln.Addr().String(), "path", "/metrics")
	}
	log.Info("switchboard listening", "addr", ln.Addr().String(), "sandbox", cfg.Sandbox || cfg.SandboxURL != "", "version", version)
	served := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { served <- srv.Serve(listeners[i]) }()
	}

	select {
	case err := <-served:
		closeAll(servers)
		return err
	case <-ctx.Done():
	}
	drain(log, a, servers, cfg.ShutdownTimeout)
	return nil
}

// drain is the graceful half of shutdown: the listeners close at once, requests in flight
// (a synchronous link batch among them) and async jobs get up to timeout to finish, and whatever
// is still running then is cut. App.Close, deferred by the caller, then disconnects the sessions
// without logging them out. A second SIGTERM or Ctrl-C during the wait exits at once (main).
func drain(log *slog.Logger, a *app.App, servers []*http.Server, timeout time.Duration) {
	log.Info("shutting down: finishing requests and async jobs, then disconnecting sessions",
		"timeout", timeout.String())
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, srv := range servers {
		wg.Go(func() {
			if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Warn("requests still running at the shutdown timeout are cut", "err", err)
				_ = srv.Close()
			}
		})
	}
	wg.Go(func() {
		if err := a.Drain(ctx); err != nil {
			log.Warn("async jobs still running at the shutdown timeout are interrupted", "err", err)
		}
	})
	wg.Wait()
	log.Info("drained")
}

func closeAll(servers []*http.Server) {
	for _, srv := range servers {
		_ = srv.Close()
	}
}

// metricsServer serves /metrics and nothing else, on the operator's metrics address.
func metricsServer(addr string, metrics http.Handler) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics)
	return httpapi.NewHTTPServer(addr, mux)
}

// newLogger writes structured JSON lines at SWITCHBOARD_LOG_LEVEL for the commands that take no
// serve settings. Tokens never reach it: the API logs requests by route and instance name, and
// never a header.
func newLogger(w io.Writer) *slog.Logger {
	cfg, _ := app.Parse("", nil, os.LookupEnv, io.Discard) // a bad unrelated setting is serve's to report
	return cfg.NewLogger(w)
}
