package main

import (
	"testing"
	"time"
)

// TestConfigFromEnv: the documented defaults (1 s link pacing, RyzeAPI's rate limits), "0"
// turning pacing off, and a typo refused instead of silently replaced by a default.
func TestConfigFromEnv(t *testing.T) {
	cfg, err := configFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LinkInterval != time.Second || cfg.RateLimit != 100 || cfg.CreateRateLimit != 20 {
		t.Fatalf("defaults: interval %v, limits %d/%d", cfg.LinkInterval, cfg.RateLimit, cfg.CreateRateLimit)
	}

	t.Setenv("SWITCHBOARD_LINK_INTERVAL", "0")
	t.Setenv("SWITCHBOARD_RATE_LIMIT", "5000")
	if cfg, err = configFromEnv(); err != nil || cfg.LinkInterval != 0 || cfg.RateLimit != 5000 {
		t.Fatalf("overrides: %+v %v", cfg, err)
	}

	for name, bad := range map[string]string{"SWITCHBOARD_LINK_INTERVAL": "1 second", "SWITCHBOARD_RATE_LIMIT": "many"} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, bad)
			if _, err := configFromEnv(); err == nil {
				t.Fatalf("%s=%q accepted", name, bad)
			}
		})
	}
}

// TestTokenCacheTTLFromEnv: 2 s by default, a duration as given, and "0" off, which app.Config
// spells as a negative TTL because its zero value means the default.
func TestTokenCacheTTLFromEnv(t *testing.T) {
	for value, want := range map[string]time.Duration{"": 2 * time.Second, "500ms": 500 * time.Millisecond, "0": -1} {
		t.Setenv("SWITCHBOARD_TOKEN_CACHE_TTL", value)
		cfg, err := configFromEnv()
		if err != nil || cfg.TokenCacheTTL != want {
			t.Fatalf("SWITCHBOARD_TOKEN_CACHE_TTL=%q: TTL %v, %v; want %v", value, cfg.TokenCacheTTL, err, want)
		}
	}
	t.Setenv("SWITCHBOARD_TOKEN_CACHE_TTL", "soon")
	if _, err := configFromEnv(); err == nil {
		t.Fatal(`SWITCHBOARD_TOKEN_CACHE_TTL="soon" accepted`)
	}
}
