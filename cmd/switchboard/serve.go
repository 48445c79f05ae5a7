package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/httpapi"
	"github.com/switchboard/switchboard/store"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// shutdownGrace bounds how long in-flight requests may finish after SIGTERM.
const shutdownGrace = 15 * time.Second

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
	srv := httpapi.NewHTTPServer(cfg.Addr, a.Handler())
	log.Info("switchboard listening", "addr", ln.Addr().String(), "sandbox", cfg.Sandbox || cfg.SandboxURL != "", "version", version)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests, then disconnecting sessions")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Warn("http shutdown", "err", err)
	}
	return nil
}

// newLogger writes structured JSON lines at SWITCHBOARD_LOG_LEVEL for the commands that take no
// serve settings. Tokens never reach it: the API logs requests by route and instance name, and
// never a header.
func newLogger(w io.Writer) *slog.Logger {
	cfg, _ := app.Parse("", nil, os.LookupEnv, io.Discard) // a bad unrelated setting is serve's to report
	return cfg.NewLogger(w)
}
