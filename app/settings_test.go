package app

import (
	"bytes"
	"errors"
	"flag"
	"log/slog"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// TestSettingsDefaults: the documented defaults (1 s link pacing, RyzeAPI's rate limits, a 2 s
// token cache, eight boot reconnects at once).
func TestSettingsDefaults(t *testing.T) {
	cfg, err := Parse("serve", nil, envOf(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LinkInterval != time.Second || cfg.RateLimit != 100 || cfg.CreateRateLimit != 20 ||
		cfg.TokenCacheTTL != 2*time.Second || cfg.BootConcurrency != 8 || cfg.DSN != DefaultDSN || cfg.Addr != ":8080" {
		t.Fatalf("defaults: %+v", cfg)
	}
}

// TestSettingsPrecedence: a flag wins over its variable, which wins over the default; "0" turns
// a duration off instead of meaning "the default"; booleans take the spellings people write.
func TestSettingsPrecedence(t *testing.T) {
	env := envOf(map[string]string{
		"SWITCHBOARD_LINK_INTERVAL":   "0",
		"SWITCHBOARD_RATE_LIMIT":      "5000",
		"SWITCHBOARD_TOKEN_CACHE_TTL": "0",
		"SWITCHBOARD_SANDBOX":         "True",
		"SWITCHBOARD_ADDR":            ":9000",
	})
	cfg, err := Parse("serve", []string{"--addr", ":9100", "--rate-limit=7"}, env, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.LinkInterval != 0 || cfg.TokenCacheTTL != 0 || !cfg.Sandbox || cfg.Addr != ":9100" || cfg.RateLimit != 7 {
		t.Fatalf("overrides: %+v", cfg)
	}
	if cfg, err = Parse("serve", []string{"--sandbox"}, envOf(nil), &bytes.Buffer{}); err != nil || !cfg.Sandbox {
		t.Fatalf("bare --sandbox: %v %v", cfg.Sandbox, err)
	}
}

// TestSettingsRefuseTypos: a malformed or meaningless value is an error naming the variable,
// never a silent default.
func TestSettingsRefuseTypos(t *testing.T) {
	for name, bad := range map[string]string{
		"SWITCHBOARD_LINK_INTERVAL":    "1 second",
		"SWITCHBOARD_RATE_LIMIT":       "many",
		"SWITCHBOARD_TOKEN_CACHE_TTL":  "soon",
		"SWITCHBOARD_SANDBOX":          "sure",
		"SWITCHBOARD_BOOT_CONCURRENCY": "0",
		"SWITCHBOARD_LOG_LEVEL":        "loud",
	} {
		_, err := Parse("serve", nil, envOf(map[string]string{name: bad}), &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: %v", name, bad, err)
		}
	}
}

// TestSettingsHelpListsEverySetting: `serve --help` names every flag and its variable.
func TestSettingsHelpListsEverySetting(t *testing.T) {
	var out bytes.Buffer
	if _, err := Parse("serve", []string{"--help"}, envOf(nil), &out); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	for _, s := range settings {
		if !strings.Contains(out.String(), "-"+s.flag) || !strings.Contains(out.String(), s.env) {
			t.Errorf("--help misses %s / %s", s.flag, s.env)
		}
	}
}

// TestEffectiveConfigMasksSecrets: the start-up log shows every setting, and neither the sealing
// key nor a database password.
func TestEffectiveConfigMasksSecrets(t *testing.T) {
	env := envOf(map[string]string{
		"SWITCHBOARD_SECRET_KEY": "c2VjcmV0LWtleS1zZWNyZXQta2V5LXNlY3JldC1rZXk=",
		"SWITCHBOARD_DB":         "postgres://app:hunter2@db:5432/sb?sslmode=disable&password=hunter3",
	})
	cfg, err := Parse("serve", nil, env, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	cfg.LogEffective(slog.New(slog.NewJSONHandler(&logs, nil)))
	for _, secret := range []string{"c2VjcmV0", "hunter2", "hunter3"} {
		if strings.Contains(logs.String(), secret) {
			t.Fatalf("effective configuration leaks %q: %s", secret, logs.String())
		}
	}
	for _, s := range settings {
		if !strings.Contains(logs.String(), s.env) {
			t.Errorf("effective configuration misses %s", s.env)
		}
	}
}

// TestREADMEListsEverySetting keeps the README's configuration table in step with settings.
func TestREADMEListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settings {
		if !bytes.Contains(readme, []byte("`--"+s.flag+"` / `"+s.env)) {
			t.Errorf("README's configuration table has no row `--%s` / `%s`", s.flag, s.env)
		}
	}
}

// TestEdgeSettings: SWITCHBOARD_TRUSTED_PROXIES takes CIDRs and bare addresses and refuses a
// typo; the public budget and the job retention have their documented defaults.
func TestEdgeSettings(t *testing.T) {
	cfg := Defaults()
	if len(cfg.TrustedProxies) != 0 || cfg.PublicRateLimit != 600 || cfg.JobRetention != DefaultJobRetention || DefaultJobRetention != 7*24*time.Hour {
		t.Fatalf("defaults: proxies %v, public %d, retention %v", cfg.TrustedProxies, cfg.PublicRateLimit, cfg.JobRetention)
	}
	cfg, err := Parse("serve", nil, envOf(map[string]string{
		"SWITCHBOARD_TRUSTED_PROXIES":   " 10.0.0.0/8, 192.168.1.7 ,fd00::/8,::1",
		"SWITCHBOARD_RATE_LIMIT_PUBLIC": "50",
		"SWITCHBOARD_JOB_RETENTION":     "24h",
	}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.1.7/32"),
		netip.MustParsePrefix("fd00::/8"), netip.MustParsePrefix("::1/128")}
	if !slices.Equal(cfg.TrustedProxies, want) || cfg.PublicRateLimit != 50 || cfg.JobRetention != 24*time.Hour {
		t.Fatalf("overrides: proxies %v, public %d, retention %v", cfg.TrustedProxies, cfg.PublicRateLimit, cfg.JobRetention)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.internal", "10.0.0.0/8;10.1.0.0/16"} {
		if _, err := Parse("serve", nil, envOf(map[string]string{"SWITCHBOARD_TRUSTED_PROXIES": bad}), &bytes.Buffer{}); err == nil {
			t.Fatalf("SWITCHBOARD_TRUSTED_PROXIES=%q accepted", bad)
		}
	}
}
