package app

import (
	"log/slog"
	"time"

	"go.mau.fi/whatsmeow/util/keys"

	"github.com/switchboard/switchboard/store"
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
	// AllowPrivateProxies lets instance proxies be on loopback, private and link-local addresses
	// (off by default: a proxy setting would otherwise reach the gateway's own network).
	AllowPrivateProxies bool
	// Sealer encrypts proxy passwords; nil when SWITCHBOARD_SECRET_KEY is unset. In sandbox mode
	// a nil Sealer is replaced by one under the sandbox's own key, kept in its database.
	Sealer *store.Sealer

	// TokenCacheTTL is how long a token lookup may be answered from memory (store.WithTokenCacheTTL):
	// 0 means store.DefaultTokenCacheTTL, so a Config left empty keeps the cache; negative turns
	// it off.
	TokenCacheTTL time.Duration

	BootConcurrency int
	BootJitter      time.Duration
	ConnectTimeout  time.Duration
	Logger          *slog.Logger
	Version         string
}
