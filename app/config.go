package app

import (
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.mau.fi/whatsmeow/util/keys"

	"github.com/switchboard/switchboard/store"
)

// Config is everything `switchboard serve` can be told. The fields an operator sets are declared
// in settings.go with their flag, variable and default; Defaults() is the starting point, and a
// zero value means zero (off), never "the default". The other fields are wiring for tests.
type Config struct {
	// Addr is the listen address of `serve` (the App itself does not listen).
	Addr string
	// DSN selects the database: "sqlite:PATH" (the default switchboard.db) or "postgres://...".
	DSN string
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// Sandbox runs an embedded simulated WhatsApp (wasim) persisted in the same database, and
	// every instance dials it instead of WhatsApp.
	Sandbox bool
	// SandboxURL points every instance at a standalone simulator (`switchboard wasim`) instead
	// of an embedded one; the /sandbox routes then go through the simulator's control API.
	SandboxURL string
	// SandboxToken is the standalone simulator's control secret (`switchboard wasim
	// --control-token`), sent as "Authorization: Bearer <secret>" on every control request.
	SandboxToken string
	// AllowModeChange lets a database recorded as a sandbox database start live, or the other
	// way round (store.CheckMode); off, such a start is refused.
	AllowModeChange bool
	// SandboxRoot is the simulator's root key when the caller has already installed it as
	// whatsmeow's trust root (tests that run several gateways in one process). When nil, the
	// root stored in the database (or a new one) is used and installed.
	SandboxRoot *keys.KeyPair
	// SandboxMaxSubGroups overrides the simulator's community size limit (tests of the limit).
	SandboxMaxSubGroups int
	// SandboxNoLinkBootstrap stops simulated phones from sending a new companion what a real
	// phone sends after linking (push name, app-state key share, initial history sync; see
	// wasim.Config.NoLinkBootstrap), which archive, pin, mute, mark-chat-read and presence need.
	// The bootstrap is on by default; turning it off reproduces a phone that never shares its keys.
	SandboxNoLinkBootstrap bool

	RateLimit       int
	CreateRateLimit int
	LinkInterval    time.Duration
	// SendInterval spaces the message sends of one instance (SWITCHBOARD_SEND_INTERVAL).
	SendInterval time.Duration
	// MessageRetention is how long stored messages are kept; 0 keeps them.
	MessageRetention time.Duration
	// MediaMax caps media sends in bytes (documents: at least 100 MiB).
	MediaMax     int
	MaxSubGroups int
	// AllowPrivateImageURLs lets group and community images be fetched from private and
	// loopback addresses (off by default, against SSRF; tests serve images locally).
	AllowPrivateImageURLs bool
	// AllowPrivateProxies lets instance proxies be on loopback, private and link-local addresses
	// (off by default: a proxy setting would otherwise reach the gateway's own network).
	AllowPrivateProxies bool
	// SecretKey seals proxy passwords at rest (SWITCHBOARD_SECRET_KEY); SecretKeyPrevious lists
	// retired keys that still open what they sealed. New builds Sealer from them unless it is set.
	SecretKey         string
	SecretKeyPrevious []string
	// Sealer encrypts proxy passwords; nil without a key. In sandbox mode a nil Sealer is
	// replaced by one under the sandbox's own key, kept in its database.
	Sealer *store.Sealer

	// TokenCacheTTL is how long a token lookup may be answered from memory; 0 turns the cache off.
	TokenCacheTTL time.Duration

	// PublicRateLimit is the unauthenticated budget per client address (httpapi.Config).
	PublicRateLimit int
	// AuthFailureLimit is the failed authentications a client address may make per minute.
	AuthFailureLimit int
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client
	// (SWITCHBOARD_TRUSTED_PROXIES).
	TrustedProxies []netip.Prefix
	// JobRetention is how long finished jobs are kept before the background purge deletes them
	// (0 keeps them for ever).
	JobRetention time.Duration
	// PurgeInterval is how often that purge runs (0 means hourly; tests shorten it).
	PurgeInterval time.Duration

	// RedisURL keeps the rate-limit buckets in Redis, one budget for every node.
	RedisURL string
	// ClusterSecret turns cluster mode on (package cluster): nodes sharing the PostgreSQL
	// database each run the sessions they hold leases of, and forward requests for the others to
	// their owner's ClusterAddr with this secret.
	ClusterSecret string
	ClusterAddr   string
	NodeID        string
	// ClusterLease is how long a lease lasts without renewal (cluster.Options.Lease).
	ClusterLease time.Duration

	// Events: WebhookRetrySchedule is the delay before each delivery attempt (outbox default
	// when empty); EventRetention how long finished events are kept (7 days when 0); BaseURL is
	// instanceData.baseUrl in envelopes; AllowPrivateWebhookURLs lets webhooks reach loopback and
	// private addresses (development); WebhookHTTPClient replaces the guarded default client.
	WebhookRetrySchedule []time.Duration
	EventRetention       time.Duration
	// EventMediaMax is the largest attachment inlined as media.base64 in an event, in bytes
	// (switchboard.DefaultEventMediaMax when 0).
	EventMediaMax           int
	BaseURL                 string
	AllowPrivateWebhookURLs bool
	WebhookHTTPClient       *http.Client
	// Broker sinks (server-wide, every event): EventsNATSURL turns the JetStream sink on, publishing
	// to EventsNATSStream (created when missing); EventsAMQPURL turns the RabbitMQ sink on,
	// publishing to the topic exchange EventsAMQPExchange. Empty URLs leave them off.
	EventsNATSURL      string
	EventsNATSStream   string
	EventsAMQPURL      string
	EventsAMQPExchange string
	// AllowPrivateS3Endpoints lets an instance's S3 endpoint be on loopback or a private network
	// (a MinIO next to the gateway); off, the endpoint is checked like every URL a user gives.
	AllowPrivateS3Endpoints bool
	// MetricsAddr is where `serve` exposes /metrics on a listener of its own ("" for none); the
	// API's listener never serves metrics.
	MetricsAddr string
	// ShutdownTimeout bounds how long `serve` drains in-flight requests and async jobs after
	// SIGTERM before it cuts them.
	ShutdownTimeout time.Duration
	// Metrics is the registry every collector registers on; New makes one when nil. Tests pass
	// their own to read it.
	Metrics *prometheus.Registry

	BootConcurrency int
	BootJitter      time.Duration
	ConnectTimeout  time.Duration
	Logger          *slog.Logger
	Version         string
}

// useSecretKey builds the sealer of proxy passwords from SecretKey, unless the caller gave one.
func useSecretKey(cfg *Config) error {
	if cfg.Sealer != nil || cfg.SecretKey == "" {
		return nil
	}
	sealer, err := store.SealerFromKeys(cfg.SecretKey, cfg.SecretKeyPrevious)
	if err != nil {
		return err
	}
	cfg.Sealer = sealer
	return nil
}
