package store_test

import (
	"slices"
	"testing"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

func TestAllowedOrigins(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a, _ := newAccount(t, s, "a", 0)
		b, _ := newAccount(t, s, "b", 0)
		got, err := s.AllowedOrigins(ctx(t), a.ID)
		must(t, "AllowedOrigins", err)
		if len(got) != 0 {
			t.Fatalf("new account allows %v", got)
		}
		must(t, "SetAllowedOrigins", s.SetAllowedOrigins(ctx(t), a.ID,
			[]string{"https://App.Example.com:443/", "http://localhost:5173", "https://app.example.com"}))
		got, err = s.AllowedOrigins(ctx(t), a.ID)
		must(t, "AllowedOrigins", err)
		if want := []string{"http://localhost:5173", "https://app.example.com"}; !slices.Equal(got, want) {
			t.Fatalf("AllowedOrigins = %v, want %v (normalised, deduplicated, sorted)", got, want)
		}
		check := func(accountID int64, origin string, want bool) {
			t.Helper()
			ok, err := s.AccountAllowsOrigin(ctx(t), accountID, origin)
			must(t, "AccountAllowsOrigin", err)
			if ok != want {
				t.Fatalf("account %d allows %s = %v, want %v", accountID, origin, ok, want)
			}
		}
		check(a.ID, "https://app.example.com", true)
		check(b.ID, "https://app.example.com", false)
		if ok, err := s.AnyAccountAllowsOrigin(ctx(t), "https://app.example.com"); err != nil || !ok {
			t.Fatalf("AnyAccountAllowsOrigin = %v, %v", ok, err)
		}
		if ok, err := s.AnyAccountAllowsOrigin(ctx(t), "https://evil.example"); err != nil || ok {
			t.Fatalf("AnyAccountAllowsOrigin(evil) = %v, %v", ok, err)
		}

		// An invalid origin changes nothing; an unknown account is not found; an empty list clears.
		err = s.SetAllowedOrigins(ctx(t), a.ID, []string{"https://ok.example", "https://x.example/path"})
		if !switchboard.IsCode(err, switchboard.CodeInvalid) {
			t.Fatalf("origin with a path: %v, want invalid", err)
		}
		check(a.ID, "https://app.example.com", true)
		wantIs(t, "unknown account", s.SetAllowedOrigins(ctx(t), 1<<40, []string{"https://a.example"}), switchboard.ErrNotFound)
		must(t, "clear", s.SetAllowedOrigins(ctx(t), a.ID, nil))
		check(a.ID, "https://app.example.com", false)

		found, err := s.AccountsByName(ctx(t), "b")
		must(t, "AccountsByName", err)
		if len(found) != 1 || found[0].ID != b.ID {
			t.Fatalf("AccountsByName(b) = %+v", found)
		}
	})
}

func TestNormalizeOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"https://app.example.com":      "https://app.example.com",
		"HTTPS://APP.example.com:443":  "https://app.example.com",
		"http://localhost:80/":         "http://localhost",
		"http://localhost:5173":        "http://localhost:5173",
		"http://[::1]:8080":            "http://[::1]:8080",
		"https://app.example.com:8443": "https://app.example.com:8443",
	} {
		if got, err := switchboard.NormalizeOrigin(in); err != nil || got != want {
			t.Errorf("NormalizeOrigin(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "null", "app.example.com", "ftp://x.example", "https://x.example/p",
		"https://u:p@x.example", "https://x.example?q=1", "https://x.example#f", "https://"} {
		if got, err := switchboard.NormalizeOrigin(bad); err == nil {
			t.Errorf("NormalizeOrigin(%q) = %q, want an error", bad, got)
		}
	}
}
