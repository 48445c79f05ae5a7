package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/httpapi"
	"github.com/switchboard/switchboard/outbox"
	"github.com/switchboard/switchboard/store"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// shutdownGrace bounds how long in-flight requests may finish after SIGTERM.
const shutdownGrace = 15 * time.Second

func runServe(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", envString("SWITCHBOARD_ADDR", ":8080"), "listen address (env SWITCHBOARD_ADDR)")
	dsn := fs.String("db", envString("SWITCHBOARD_DB", "sqlite:switchboard.db"), "database: sqlite:PATH or postgres://... (env SWITCHBOARD_DB)")
	sandbox := fs.Bool("sandbox", envBool("SWITCHBOARD_SANDBOX"), "run an embedded simulated WhatsApp; no phone, no real number (env SWITCHBOARD_SANDBOX=1)")
	sandboxURL := fs.String("sandbox-url", envString("SWITCHBOARD_SANDBOX_URL", ""), "connect instances to a standalone simulator (switchboard wasim) at this URL")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLogger(stderr)
	cfg, err := configFromEnv()
	if err != nil {
		return err
	}
	cfg.DSN, cfg.Sandbox, cfg.SandboxURL, cfg.Logger, cfg.Version = *dsn, *sandbox, *sandboxURL, log, version

	a, err := app.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer a.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := httpapi.NewHTTPServer(*addr, a.Handler())
	log.Info("switchboard listening", "addr", ln.Addr().String(), "sandbox", *sandbox || *sandboxURL != "", "version", version)
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

// configFromEnv reads the tuning knobs that have no flag.
func configFromEnv() (app.Config, error) {
	var cfg app.Config
	var err error
	var errs []error
	cfg.RateLimit, err = envInt("SWITCHBOARD_RATE_LIMIT", httpapi.DefaultRateLimit)
	errs = append(errs, err)
	cfg.CreateRateLimit, err = envInt("SWITCHBOARD_RATE_LIMIT_CREATE", httpapi.DefaultCreateRateLimit)
	errs = append(errs, err)
	cfg.LinkInterval, err = envDuration("SWITCHBOARD_LINK_INTERVAL", time.Second)
	errs = append(errs, err)
	cfg.BootConcurrency, err = envInt("SWITCHBOARD_BOOT_CONCURRENCY", 0)
	errs = append(errs, err)
	cfg.BootJitter, err = envDuration("SWITCHBOARD_BOOT_JITTER", 0)
	errs = append(errs, err)
	cfg.TokenCacheTTL, err = envDuration("SWITCHBOARD_TOKEN_CACHE_TTL", store.DefaultTokenCacheTTL)
	errs = append(errs, err)
	if cfg.TokenCacheTTL == 0 {
		cfg.TokenCacheTTL = -1 // "0" in the environment means off; in app.Config 0 means the default
	}
	cfg.EventRetention, err = envDuration("SWITCHBOARD_EVENT_RETENTION", outbox.DefaultRetention)
	errs = append(errs, err)
	if raw := os.Getenv("SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE"); raw != "" {
		cfg.WebhookRetrySchedule, err = outbox.ParseSchedule(raw)
		errs = append(errs, err)
	}
	cfg.BaseURL = envString("SWITCHBOARD_BASE_URL", "")
	if err := errors.Join(errs...); err != nil {
		return cfg, err
	}
	// Off by default, like image URLs: webhook URLs on loopback or private networks would let any
	// caller make the gateway probe its own network.
	cfg.AllowPrivateWebhookURLs = envBool("SWITCHBOARD_ALLOW_PRIVATE_WEBHOOK_URLS")
	// Off by default: image URLs on loopback or private networks would let any caller make the
	// gateway probe its own network. Self-hosters serving images internally turn it on.
	cfg.AllowPrivateImageURLs = envBool("SWITCHBOARD_ALLOW_PRIVATE_IMAGE_URLS")
	sealer, err := store.SealerFromEnv()
	switch {
	case errors.Is(err, store.ErrNoSecretKey):
		// Without a key, proxy passwords are refused; everything else works.
	case err != nil:
		return cfg, fmt.Errorf("%s: %w", store.SecretKeyEnv, err)
	default:
		cfg.Sealer, cfg.OpenSealed = sealer, sealer.Open
	}
	return cfg, nil
}

// newLogger writes structured JSON lines to stderr. Tokens never reach it: the API logs
// requests by route and instance name, and never a header.
func newLogger(w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	if os.Getenv("SWITCHBOARD_LOG_LEVEL") == "debug" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}
