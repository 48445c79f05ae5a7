package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/media"
)

// Defaults for the zero values of Config.
const (
	DefaultRateLimit        = 100 // requests per minute per token, RyzeAPI's Global bucket
	DefaultCreateRateLimit  = 20  // POST /api/instance/new per minute per token, on top of Global
	DefaultAuthFailureLimit = 300 // failed authentications per minute per client IP
	DefaultConnectTimeout   = 60 * time.Second
)

// Sealer encrypts secrets that must be read back later (proxy passwords, the kept answers of
// Idempotency-Key on instance creation), so the database never holds them in clear.
type Sealer interface {
	// Seal encrypts plaintext for the instance instanceID: the result opens only for that id.
	// Secrets that belong to no instance use 0 and bind themselves in their plaintext.
	Seal(plaintext []byte, instanceID int64) ([]byte, error)
	// Open reverses Seal for the same instanceID.
	Open(sealed []byte, instanceID int64) ([]byte, error)
}

// Config wires the API to the rest of the program. Accounts, Instances and Sessions are
// required; everything else has a default.
type Config struct {
	Accounts  switchboard.AccountStore
	Instances switchboard.InstanceStore
	Sessions  switchboard.Sessions
	// Sealer encrypts proxy passwords and the kept answers of Idempotency-Key on
	// POST /api/instance/new (the new token included). When nil, a request that carries a proxy
	// password, or that header on that route, is refused with 400 naming SWITCHBOARD_SECRET_KEY;
	// everything else works.
	Sealer Sealer
	// Sandbox, when set, adds the /sandbox routes and marks every response of the process with
	// X-Switchboard-Sandbox: true. Nil outside --sandbox, and then those routes are 404.
	Sandbox Sandbox
	// SandboxPhones records who owns each simulated phone; required with Sandbox.
	SandboxPhones SandboxPhones
	// Ping checks the database for /health; nil leaves the check out.
	Ping   func(ctx context.Context) error
	Logger *slog.Logger
	// RateLimit is the per-token Global bucket, per minute (default 100).
	RateLimit int
	// CreateRateLimit is the per-token bucket of POST /api/instance/new, per minute (default 20).
	CreateRateLimit int
	// AuthFailureLimit is how many failed authentications a client IP may make per minute
	// before it is refused without a lookup, valid token or not, until its window ends
	// (default 300).
	AuthFailureLimit int
	// PublicRateLimit is how many unauthenticated requests a client address may make per minute
	// (default DefaultPublicRateLimit).
	PublicRateLimit int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client. Without
	// them, every client behind a proxy shares the proxy's auth-failure budget.
	TrustedProxies []netip.Prefix
	// ConnectTimeout bounds how long /connect waits for a QR or pairing code (default 60 s).
	ConnectTimeout time.Duration
	// Limiter counts every rate-limit bucket; nil keeps them in this process's memory
	// (NewLocalLimiter). A cluster passes the Redis limiter so that each budget is one across
	// every node.
	Limiter switchboard.RateLimiter
	// Now is the clock of the in-memory rate limiter; tests inject one (default time.Now).
	Now     func() time.Time
	Version string
	// MaxSubGroups is the community size the pre-checks enforce, not counting the announcement
	// group (default 50, WhatsApp's documented limit).
	MaxSubGroups int
	// AllowPrivateImageURLs lets group and community images be fetched from loopback, private
	// and link-local addresses. Off by default: otherwise any caller could make the gateway
	// probe its own network (SSRF).
	AllowPrivateImageURLs bool
	// Origins holds each account's allowed browser origins (CORS); nil answers no origin.
	Origins Origins
	// Ownership, in cluster mode, says which node runs each instance's session: requests for
	// an instance owned elsewhere are forwarded there with ClusterSecret, and answered 503 with
	// Retry-After while no node owns it. Nil serves every instance here.
	Ownership     switchboard.Ownership
	ClusterSecret string
	// Jobs and Idempotency persist async jobs and Idempotency-Key replays; nil disables both
	// features (the routes then answer synchronously and ignore the header).
	Jobs        switchboard.JobStore
	Idempotency switchboard.IdempotencyStore
	// Webhooks and Events run the /api/events routes; nil answers them 501.
	Webhooks   switchboard.WebhookStore
	Events     EventOutbox
	Websockets switchboard.WebsocketStore
	Stream     EventStream
	// AllowPrivateWebhookURLs accepts webhook URLs on loopback and private addresses
	// (SWITCHBOARD_ALLOW_PRIVATE_WEBHOOK_URLS, for development).
	AllowPrivateWebhookURLs bool
	// S3 stores instances' S3 media buckets (RyzeAPI 2.1.11); nil answers those routes 501.
	// AllowPrivateS3Endpoints accepts endpoints on loopback and private addresses
	// (SWITCHBOARD_ALLOW_PRIVATE_S3_ENDPOINTS, for a local MinIO).
	S3                      switchboard.S3Store
	AllowPrivateS3Endpoints bool
	// Metrics receives the API's collectors (requests by route and status, their latency,
	// rate-limit refusals); nil counts without exposing.
	Metrics prometheus.Registerer
	// Messages stores sent messages (received ones are stored by the session manager) for the
	// chat routes and replyTo; nil keeps none, and those routes answer 503.
	Messages switchboard.MessageStore
	// Labels keeps the instances' labels and favorite chats for the tag, assignTag,
	// contactsByLabel and favorite routes; nil answers 503 there.
	Labels switchboard.LabelStore
	// MediaMax caps media sends in bytes (documents: at least media.DocumentMax); 0 is
	// media.DefaultAttachmentMax.
	MediaMax int
}

// Server is the REST API as an http.Handler.
type Server struct {
	cfg        Config
	log        *slog.Logger
	mux        *http.ServeMux
	patterns   []string // every pattern registered through handle, for Routes
	handler    http.Handler
	limits     switchboard.RateLimiter // every bucket: per token, per failing address, public
	started    time.Time               // for /health's uptime
	sampler    *accessSampler
	metrics    *httpMetrics
	background backgroundJobs   // async jobs, cancelled by Shutdown
	idemPurge  idempotencyPurge // when old Idempotency-Keys were last deleted
	// labelIDs serialises tag creation per instance (a Pacer without spacing is a turn lock): the
	// next label id is read, written to WhatsApp and stored, and two creations at once would
	// otherwise take the same id (the second silently replacing the first tag on every device).
	// Every request for an instance runs on its owner node, so a per-process lock is enough.
	labelIDs *switchboard.Pacers

	// media loads group and community pictures; it holds the download pool and decode slots.
	media *media.Loader
	// attachments loads the media of message sends (mediaUrl through egress, or base64).
	attachments *media.Attachments
}

// New builds the API. It panics when a required dependency is missing: that is a wiring bug in
// main, not a condition to handle at run time.
func New(cfg Config) *Server {
	if cfg.Accounts == nil || cfg.Instances == nil || cfg.Sessions == nil {
		panic("httpapi: Config needs Accounts, Instances and Sessions")
	}
	if cfg.Sandbox != nil && cfg.SandboxPhones == nil {
		panic("httpapi: Config.Sandbox needs SandboxPhones (who owns each simulated phone)")
	}
	if cfg.RateLimit <= 0 {
		cfg.RateLimit = DefaultRateLimit
	}
	if cfg.CreateRateLimit <= 0 {
		cfg.CreateRateLimit = DefaultCreateRateLimit
	}
	if cfg.AuthFailureLimit <= 0 {
		cfg.AuthFailureLimit = DefaultAuthFailureLimit
	}
	if cfg.PublicRateLimit <= 0 {
		cfg.PublicRateLimit = DefaultPublicRateLimit
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = DefaultConnectTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Limiter == nil {
		cfg.Limiter = NewLocalLimiter(cfg.Now)
	}
	s := &Server{
		cfg:         cfg,
		log:         cfg.Logger,
		mux:         http.NewServeMux(),
		limits:      cfg.Limiter,
		started:     cfg.Now(),
		sampler:     newAccessSampler(cfg.Now),
		metrics:     newHTTPMetrics(cfg.Metrics),
		media:       media.NewLoader(cfg.AllowPrivateImageURLs),
		attachments: media.NewAttachments(cfg.AllowPrivateImageURLs, int64(cfg.MediaMax)),
		labelIDs:    switchboard.NewPacers(0),
	}
	s.routes()
	s.handler = s.observe(s.recoverPanics(s.limitBody(http.HandlerFunc(s.dispatch))))
	return s
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// NewHTTPServer returns an http.Server with the gateway's timeouts: headers must arrive within
// 5 s (slowloris), bodies within 30 s, and a response may take 90 s because /connect waits up
// to 60 s for WhatsApp.
func NewHTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      90 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
}
