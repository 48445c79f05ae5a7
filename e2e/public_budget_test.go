package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/httpapi"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestUnauthenticatedBudgetPerAddress: /health, /openapi.json and requests that match no route
// share one budget per client address, so they are no longer free to flood; past it they get
// 429 with Retry-After. Authenticated routes are not charged, and behind a trusted proxy each
// client address has its own budget.
func TestUnauthenticatedBudgetPerAddress(t *testing.T) {
	const budget = 6
	e := apptest.Start(t, storetest.SQLiteDSN(t), func(c *app.Config) {
		c.PublicRateLimit = budget
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	})
	acc := e.Account("alice")
	from := func(addr string) http.Header { return http.Header{"X-Forwarded-For": {addr}} }
	client := from("203.0.113.10")
	e.DoHeaders("GET", "/health", client, "").Want(http.StatusOK)
	e.DoHeaders("GET", "/health", client, "").Want(http.StatusOK)
	e.DoHeaders("GET", "/no/such/route", client, "").WantError(http.StatusNotFound, "Route not found")
	e.DoHeaders("DELETE", "/health", client, "").WantError(http.StatusMethodNotAllowed, "Method not allowed")
	e.DoHeaders("GET", "/also/missing", client, "").WantError(http.StatusNotFound, "Route not found")
	e.DoHeaders("GET", "/health", client, "").Want(http.StatusOK)
	for _, path := range []string{"/health", "/openapi.json", "/no/such/route"} {
		res := e.DoHeaders("GET", path, client, "").WantError(http.StatusTooManyRequests, "Rate limit exceeded. Try again later.")
		if res.Header.Get("Retry-After") == "" {
			t.Fatalf("%s: 429 without Retry-After", path)
		}
	}
	// A token's routes do not draw from it; another client address has its own.
	e.DoHeaders("GET", "/api/instance/list", http.Header{"token": {acc}, "X-Forwarded-For": {"203.0.113.10"}}, "").Want(http.StatusOK)
	e.DoHeaders("GET", "/health", from("203.0.113.11"), "").Want(http.StatusOK)
}

// TestAccessLogSamplesRefusalFloods: a flood of 404s and 401s from one address writes at most
// a burst of access lines a minute, while every request is still answered; other addresses and
// successful requests are logged as usual.
func TestAccessLogSamplesRefusalFloods(t *testing.T) {
	e := apptest.Start(t, storetest.SQLiteDSN(t), func(c *app.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	})
	acc := e.Account("alice")
	flood := http.Header{"X-Forwarded-For": {"203.0.113.50"}}
	badToken := http.Header{"X-Forwarded-For": {"203.0.113.50"}, "token": {"sba_wrong"}}
	for i := 0; i < 100; i++ {
		e.DoHeaders("GET", "/wp-login.php", flood, "").WantError(http.StatusNotFound, "Route not found")
		e.DoHeaders("GET", "/api/instance/list", badToken, "").WantError(http.StatusUnauthorized, "Invalid token")
	}
	e.DoHeaders("GET", "/wp-login.php", http.Header{"X-Forwarded-For": {"203.0.113.51"}}, "").Want(http.StatusNotFound)
	for i := 0; i < 30; i++ {
		e.DoHeaders("GET", "/api/instance/list", http.Header{"token": {acc}, "X-Forwarded-For": {"203.0.113.50"}}, "").Want(http.StatusOK)
	}
	refused, ok := 0, 0
	for _, line := range strings.Split(e.Logs.String(), "\n") {
		var rec struct {
			Msg    string `json:"msg"`
			Status int    `json:"status"`
			Path   string `json:"path"`
		}
		if json.Unmarshal([]byte(line), &rec) != nil || rec.Msg != "request" {
			continue
		}
		switch rec.Status {
		case http.StatusNotFound, http.StatusUnauthorized:
			refused++
		case http.StatusOK:
			ok++
		}
	}
	// 20 lines for the flooding address, 1 for the other; the 200 refusals would be 201 lines.
	if refused != 21 {
		t.Fatalf("%d access lines for 201 refusals, want 21 (a burst of 20 for the flooding address, 1 for the other)", refused)
	}
	if ok < 30 {
		t.Fatalf("%d access lines for 30 successes: successes must not be sampled", ok)
	}
}

// TestOpenAPIGzipped: /openapi.json is sent gzipped to a client that accepts it (the same
// document, a fraction of the bytes) and plain to one that does not.
func TestOpenAPIGzipped(t *testing.T) {
	e := apptest.Start(t, storetest.SQLiteDSN(t))
	get := func(acceptEncoding string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", e.URL+"/openapi.json", nil)
		req.Header.Set("Accept-Encoding", acceptEncoding) // set by hand: the transport then leaves the body alone
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	want := httpapi.OpenAPIDocument()

	resp := get("br, gzip;q=0.8")
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("status %d, Content-Encoding %q, Vary %q", resp.StatusCode, resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
	}
	if len(raw)*4 > len(want) {
		t.Fatalf("gzipped document is %d bytes of %d: not compressed", len(raw), len(want))
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(plain, want) {
		t.Fatalf("gunzipped body differs from the document (err %v)", err)
	}

	for _, ae := range []string{"identity", "gzip;q=0"} {
		resp := get(ae)
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(raw, want) {
			t.Fatalf("Accept-Encoding %q: Content-Encoding %q, %d bytes", ae, resp.Header.Get("Content-Encoding"), len(raw))
		}
	}
}
