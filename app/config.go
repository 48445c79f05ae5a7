package app

import (
	"log/slog"
	"net/http"
	"time"

	"go.mau.fi/whatsmeow/util/keys"

	"github.com/switchboard/switchboard/httpapi"
)

// Config is everything `switchboard serve` can be told.
type Config struct {
	// DSN selects the database: "sqlite:PATH" (the default switchboard.db) or "postgres://...".
	DSN string
	// Sandbox runs an embedded simulated WhatsApp (wasim) persisted in the same database, and
	// every instance dials it instead of WhatsApp.
	Sandbox bool
	// SandboxURL points every instance at a standalone simulator (`switchboard wasim`) instead
	// of an embedded one; the /sandbox routes then go through the simulator's control API.
	SandboxURL string
	// SandboxRoot is the simulator's root key when the caller has already installed it as
	// whatsmeow's trust root (tests that run several gateways in one process). When nil, the
	// root stored in the database (or a new one) is used and installed.
	SandboxRoot *keys.KeyPair
	// SandboxMaxSubGroups overrides the simulator's community size limit (tests of the limit).
	SandboxMaxSubGroups int

	RateLimit       int
	CreateRateLimit int
	LinkInterval    time.Duration
	MaxSubGroups    int
	// AllowPrivateImageURLs lets group and community images be fetched from private and
	// loopback addresses (off by default, against SSRF; tests serve images locally).
	AllowPrivateImageURLs bool
	// Sealer encrypts proxy passwords; nil when SWITCHBOARD_SECRET_KEY is unset.
	Sealer httpapi.Sealer
	// Open reverses Sealer for the session manager; nil with Sealer.
	OpenSealed func([]byte) ([]byte, error)

	// TokenCacheTTL is how long a token lookup may be answered from memory (store.WithTokenCacheTTL):
	// 0 means store.DefaultTokenCacheTTL, so a Config left empty keeps the cache; negative turns
	// it off.
	TokenCacheTTL time.Duration

	// Events: WebhookRetrySchedule is the delay before each delivery attempt (outbox default
	// when empty); EventRetention how long finished events are kept (7 days when 0); BaseURL is
	// instanceData.baseUrl in envelopes; AllowPrivateWebhookURLs lets webhooks reach loopback and
	// private addresses (development); WebhookHTTPClient replaces the guarded default client.
	WebhookRetrySchedule    []time.Duration
	EventRetention          time.Duration
	BaseURL                 string
	AllowPrivateWebhookURLs bool
	WebhookHTTPClient       *http.Client

	BootConcurrency int
	BootJitter      time.Duration
	ConnectTimeout  time.Duration
	Logger          *slog.Logger
	Version         string
}
