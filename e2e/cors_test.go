package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestCORSPerAccountOrigins (RyzeAPI §3.2): a preflight from an origin some account allows is
// answered with the CORS headers (Content-Type, Authorization and token allowed, no
// credentials); the actual request gets Access-Control-Allow-Origin only when the token's own
// account allows the origin; any other origin gets no CORS headers at all.
func TestCORSPerAccountOrigins(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		e := apptest.Start(t, dsn)
		alice, bob := e.Account("alice"), e.Account("bob")
		aliceInst := e.Instance(alice, "shop")
		ctx := context.Background()
		acc, err := e.App.Store().AccountByTokenHash(ctx, switchboard.HashToken(alice))
		if err != nil {
			t.Fatal(err)
		}
		if err := e.App.Store().SetAllowedOrigins(ctx, acc.ID, []string{"https://alice.example"}); err != nil {
			t.Fatal(err)
		}

		preflight := func(origin string) http.Header {
			t.Helper()
			req, _ := http.NewRequest("OPTIONS", e.URL+"/api/instance/list", nil)
			req.Header.Set("Origin", origin)
			req.Header.Set("Access-Control-Request-Method", "GET")
			req.Header.Set("Access-Control-Request-Headers", "token, content-type")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				t.Fatalf("preflight from %s: status %d", origin, resp.StatusCode)
			}
			return resp.Header
		}
		h := preflight("https://alice.example")
		if h.Get("Access-Control-Allow-Origin") != "https://alice.example" {
			t.Fatalf("allowed origin's preflight: %v", h)
		}
		allowed := strings.Split(h.Get("Access-Control-Allow-Headers"), ", ")
		for _, name := range []string{"Content-Type", "Authorization", "token"} {
			if !containsFold(allowed, name) {
				t.Fatalf("preflight allows headers %q, missing %s", h.Get("Access-Control-Allow-Headers"), name)
			}
		}
		if !strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") || h.Get("Access-Control-Allow-Credentials") != "" {
			t.Fatalf("preflight methods/credentials: %v", h)
		}
		noCORS(t, "other origin's preflight", preflight("https://evil.example"))

		get := func(token, origin string) *apptest.Response {
			return e.DoHeaders("GET", "/api/instance/list", http.Header{"token": {token}, "Origin": {origin}}, "")
		}
		res := get(alice, "https://alice.example").Want(http.StatusOK)
		if res.Header.Get("Access-Control-Allow-Origin") != "https://alice.example" || res.Header.Get("Access-Control-Allow-Credentials") != "" ||
			!strings.Contains(res.Header.Get("Access-Control-Expose-Headers"), "X-RateLimit-Remaining") {
			t.Fatalf("alice from her origin: %v", res.Header)
		}
		res = e.DoHeaders("GET", "/api/instance/getSettings/shop", http.Header{"token": {aliceInst}, "Origin": {"https://alice.example"}}, "").Want(http.StatusOK)
		if res.Header.Get("Access-Control-Allow-Origin") != "https://alice.example" {
			t.Fatalf("alice's instance token from her origin: %v", res.Header)
		}
		noCORS(t, "bob's token from alice's origin", get(bob, "https://alice.example").Want(http.StatusOK).Header)
		noCORS(t, "alice's token from another origin", get(alice, "https://evil.example").Want(http.StatusOK).Header)
		// A refusal before the token is known follows the preflight's rule, so the page can read it.
		res = get("sba_wrong", "https://alice.example").WantError(http.StatusUnauthorized, "Invalid token")
		if res.Header.Get("Access-Control-Allow-Origin") != "https://alice.example" {
			t.Fatalf("401 to an allowed origin: %v", res.Header)
		}
		noCORS(t, "401 to another origin", get("sba_wrong", "https://evil.example").Header)
	})
}

func noCORS(t *testing.T, what string, h http.Header) {
	t.Helper()
	for name := range h {
		if strings.HasPrefix(strings.ToLower(name), "access-control-") {
			t.Fatalf("%s: CORS header %s: %v", what, name, h)
		}
	}
}

func containsFold(list []string, want string) bool {
	for _, s := range list {
		if strings.EqualFold(strings.TrimSpace(s), want) {
			return true
		}
	}
	return false
}
