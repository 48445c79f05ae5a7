package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/cluster"
	"github.com/switchboard/switchboard/console"
	"github.com/switchboard/switchboard/httpapi"
	"github.com/switchboard/switchboard/outbox"
	"github.com/switchboard/switchboard/s3archive"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/whatsapp"
)

// App is a running Switchboard without its listener: Handler serves the API.
type App struct {
	log      *slog.Logger
	store    *store.Store
	sim      *wasim.Server // embedded simulator, sandbox mode only
	sessions *whatsapp.Manager
	api      *httpapi.Server
	outbox   *outbox.Outbox
	sinks    []switchboard.EventPublisher // broker sinks, closed after the outbox
	media    *s3archive.Archive           // instances' S3 buckets (media.s3Url)
	// eventFiles shares each event attachment's download between the enrichers, the webhooks
	// and the WebSocket stream; closed (its temporary files removed) after the outbox.
	eventFiles *switchboard.SharedMedia
	console    http.Handler
	metrics    *prometheus.Registry

	node  *cluster.Node // cluster mode only
	redis *redis.Client // shared rate limits, when configured

	stopPurge func() // ends the background purge of old jobs and Idempotency-Keys

	startCtx    context.Context
	cancelStart context.CancelFunc
	started     chan struct{}
}

// New opens the database, prepares the simulator in sandbox mode, marks jobs a previous
// process left running as interrupted (and frees its unfinished Idempotency-Keys), and starts
// reconnecting saved sessions in the background (capped and jittered by the manager).
func New(ctx context.Context, cfg Config) (_ *App, err error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.DSN == "" {
		cfg.DSN = DefaultDSN
	}
	if err := useSecretKey(&cfg); err != nil {
		return nil, err
	}
	a := &App{log: log, started: make(chan struct{}), metrics: newMetricsRegistry(cfg.Metrics)}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if a.store, err = store.Open(ctx, cfg.DSN, log, store.WithTokenCacheTTL(cfg.TokenCacheTTL)); err != nil {
		return nil, err
	}
	if n, err := a.store.InterruptRunningJobs(ctx); err != nil {
		return nil, fmt.Errorf("mark interrupted jobs: %w", err)
	} else if n > 0 {
		log.Warn("jobs interrupted by the previous shutdown", "count", n)
	}
	if n, err := a.store.AbandonRunningIdempotent(ctx); err != nil {
		return nil, fmt.Errorf("free idempotency keys: %w", err)
	} else if n > 0 {
		log.Warn("requests with an Idempotency-Key cut short by the previous shutdown", "count", n)
	}
	if err := a.checkMode(ctx, cfg); err != nil {
		return nil, err
	}
	httpClient, err := a.openSandbox(ctx, cfg)
	if err != nil {
		return nil, err
	}
	container, err := a.store.Whatsmeow(ctx, whatsapp.WaLogger(log.With("component", "whatsmeow-store"), false))
	if err != nil {
		return nil, err
	}
	sealer, err := a.sealer(ctx, cfg)
	if err != nil {
		return nil, err
	}
	// The media archive before the outbox: the outbox's enricher copies attachments into it.
	a.media = openMediaArchive(a.store, sealer, cfg.AllowPrivateS3Endpoints)
	if err := a.openOutbox(ctx, cfg, sealer); err != nil {
		return nil, err
	}
	var apiSealer httpapi.Sealer // stays a nil interface without a key, not a nil *store.Sealer
	var openProxy func(int64, switchboard.Proxy) (string, error)
	if sealer != nil {
		apiSealer = sealer
		openProxy = func(instanceID int64, p switchboard.Proxy) (string, error) {
			plain, err := sealer.Open(p.PasswordSealed, instanceID)
			return string(plain), err
		}
	}
	var sessionRows switchboard.InstanceStore = a.store
	var ownership switchboard.Ownership // a nil interface outside cluster mode
	if cfg.clustered() {
		if a.node, err = a.joinCluster(cfg); err != nil {
			return nil, err
		}
		sessionRows, ownership = a.node.Fence(a.store, a.store), a.node
	}
	var mayConnect func(int64) error
	if a.node != nil {
		mayConnect = a.node.MayConnect
	}
	limiter, err := a.limiter(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a.sessions = whatsapp.NewManager(whatsapp.Options{
		Container:           container,
		GeneratePreKeys:     a.store.GenerateWhatsmeowPreKeys,
		Instances:           sessionRows,
		Logger:              log.With("component", "whatsapp"),
		HTTPClient:          httpClient,
		BootConcurrency:     cfg.BootConcurrency,
		BootJitter:          cfg.BootJitter,
		WriteInterval:       cfg.LinkInterval,
		SendInterval:        cfg.SendInterval,
		Messages:            a.store,
		Labels:              a.store,
		OpenProxy:           openProxy,
		AllowPrivateProxies: cfg.AllowPrivateProxies,
		DeviceName:          "Switchboard",
		MayConnect:          mayConnect,
		Events:              a.outbox,
		Metrics:             a.metrics,
	})
	var apiSessions switchboard.Sessions = a.sessions
	if a.node != nil {
		apiSessions = a.node.Sessions(a.sessions) // instance lists show every node's sessions
	}
	sandbox := a.sandbox(cfg)
	a.api = httpapi.New(httpapi.Config{
		Accounts:                a.store,
		Instances:               a.store,
		Sessions:                apiSessions,
		Sealer:                  apiSealer,
		Sandbox:                 sandbox,
		SandboxPhones:           a.store,
		Ping:                    a.store.Ping,
		Logger:                  log.With("component", "http"),
		RateLimit:               cfg.RateLimit,
		CreateRateLimit:         cfg.CreateRateLimit,
		PublicRateLimit:         cfg.PublicRateLimit,
		AuthFailureLimit:        cfg.AuthFailureLimit,
		TrustedProxies:          cfg.TrustedProxies,
		ConnectTimeout:          cfg.ConnectTimeout,
		Version:                 cfg.Version,
		MaxSubGroups:            cfg.MaxSubGroups,
		AllowPrivateImageURLs:   cfg.AllowPrivateImageURLs,
		Jobs:                    a.store,
		Idempotency:             a.store,
		Origins:                 a.store,
		Webhooks:                a.store,
		Events:                  a.outbox,
		Websockets:              a.store,
		Stream:                  a.outbox,
		AllowPrivateWebhookURLs: cfg.AllowPrivateWebhookURLs,
		S3:                      a.store,
		AllowPrivateS3Endpoints: cfg.AllowPrivateS3Endpoints,
		Metrics:                 a.metrics,
		Limiter:                 limiter,
		Ownership:               ownership,
		ClusterSecret:           cfg.ClusterSecret,
		Messages:                a.store,
		Labels:                  a.store,
		MediaMax:                cfg.MediaMax,
	})
	a.console = console.Handler(console.Options{Sandbox: sandbox != nil, Version: cfg.Version})
	a.startPurge(cfg)
	a.startCtx, a.cancelStart = context.WithCancel(context.Background())
	if a.node != nil {
		// The node, not Start, decides which saved sessions run here.
		defer close(a.started)
		if err := a.node.Run(a.startCtx); err != nil {
			return nil, err
		}
		return a, nil
	}
	go func() {
		defer close(a.started)
		if err := a.sessions.Start(a.startCtx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("reconnecting saved sessions", "err", err)
		}
	}()
	return a, nil
}

// Handler serves the web console at / and /console/, and the HTTP API everywhere else.
func (a *App) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if console.Owns(r.URL.Path) {
			a.console.ServeHTTP(w, r)
			return
		}
		a.api.ServeHTTP(w, r)
	})
}

// Store is the database, for the account command and tests.
func (a *App) Store() *store.Store { return a.store }

// Sim is the embedded simulator, nil outside sandbox mode.
func (a *App) Sim() *wasim.Server { return a.sim }

// Outbox is the event outbox (webhook dispatchers).
func (a *App) Outbox() *outbox.Outbox { return a.outbox }

// MediaArchive uploads media to an instance's S3 bucket (for media.s3Url in events).
func (a *App) MediaArchive() switchboard.MediaArchive { return a.media }

// Sessions is the WhatsApp session manager.
func (a *App) Sessions() *whatsapp.Manager { return a.sessions }

// Close disconnects every session cleanly (whatsmeow keeps the devices, so the next start
// reconnects them without a QR), then stops the simulator and closes the database.
func (a *App) Close() {
	if a.cancelStart != nil {
		a.cancelStart()
		<-a.started
	}
	if a.stopPurge != nil {
		a.stopPurge()
	}
	if a.api != nil {
		a.api.Close() // async jobs stop and record themselves while sessions and database are up
	}
	if a.node != nil {
		a.node.Close() // stops its sessions and hands the leases over for an immediate takeover
	}
	if a.sessions != nil {
		a.sessions.Close() // its last instance.state events go to the outbox, still open
	}
	if a.outbox != nil {
		a.outbox.Close()
	}
	if a.eventFiles != nil {
		_ = a.eventFiles.Close()
	}
	for _, s := range a.sinks {
		_ = s.Close()
	}
	if a.redis != nil {
		_ = a.redis.Close()
	}
	if a.sim != nil {
		if err := a.sim.Close(); err != nil {
			a.log.Warn("closing the simulator", "err", err)
		}
	}
	if a.store != nil {
		if err := a.store.Close(); err != nil {
			a.log.Warn("closing the database", "err", err)
		}
	}
}

// Drain lets the async jobs already running finish until ctx ends, refusing new ones; Close
// then cancels whatever is left. The HTTP server's own Shutdown drains synchronous requests.
func (a *App) Drain(ctx context.Context) error { return a.api.Drain(ctx) }
