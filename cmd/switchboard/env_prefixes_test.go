package main

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/switchboard/switchboard/app"
)

// TestEdgeConfigFromEnv: SWITCHBOARD_TRUSTED_PROXIES takes CIDRs and bare addresses and refuses
// a typo; the public budget and the job retention have their documented defaults.
func TestEdgeConfigFromEnv(t *testing.T) {
	cfg, err := configFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.TrustedProxies) != 0 || cfg.PublicRateLimit != 600 || cfg.JobRetention != app.DefaultJobRetention || app.DefaultJobRetention != 7*24*time.Hour {
		t.Fatalf("defaults: proxies %v, public %d, retention %v", cfg.TrustedProxies, cfg.PublicRateLimit, cfg.JobRetention)
	}
	t.Setenv("SWITCHBOARD_TRUSTED_PROXIES", " 10.0.0.0/8, 192.168.1.7 ,fd00::/8,::1")
	t.Setenv("SWITCHBOARD_RATE_LIMIT_PUBLIC", "50")
	t.Setenv("SWITCHBOARD_JOB_RETENTION", "24h")
	cfg, err = configFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"),
		netip.MustParsePrefix("fd00::/8"), netip.MustParsePrefix("::1/128")}
	if !slices.Equal(cfg.TrustedProxies, want) || cfg.PublicRateLimit != 50 || cfg.JobRetention != 24*time.Hour {
		t.Fatalf("overrides: proxies %v, public %d, retention %v", cfg.TrustedProxies, cfg.PublicRateLimit, cfg.JobRetention)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.internal", "10.0.0.0/8;10.1.0.0/16"} {
		t.Setenv("SWITCHBOARD_TRUSTED_PROXIES", bad)
		if _, err := configFromEnv(); err == nil {
			t.Fatalf("SWITCHBOARD_TRUSTED_PROXIES=%q accepted", bad)
		}
	}
}
