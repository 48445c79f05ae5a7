package console

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec
}

// TestPagesAndHeaders: every page is served with a policy that forbids inline and foreign
// scripts and framing; the sandbox panel exists only in sandbox mode; `/` leads to the console.
func TestPagesAndHeaders(t *testing.T) {
	live := Handler(Options{Version: "v"})
	for _, p := range []string{"/console/", "/console/instances", "/console/instance", "/console/static/api.js"} {
		rec := get(t, live, p)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d", p, rec.Code)
		}
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Fatalf("%s: Content-Security-Policy %q", p, csp)
		}
	}
	if rec := get(t, live, "/console/sandbox"); rec.Code != http.StatusNotFound {
		t.Fatalf("sandbox panel outside sandbox mode: %d", rec.Code)
	}
	if rec := get(t, Handler(Options{Sandbox: true}), "/console/sandbox"); rec.Code != http.StatusOK {
		t.Fatalf("sandbox panel in sandbox mode: %d", rec.Code)
	}
	if rec := get(t, live, "/"); rec.Code != http.StatusFound || rec.Header().Get("Location") != "/console/" {
		t.Fatalf("/: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := get(t, live, "/console/nope"); rec.Code != http.StatusNotFound {
		t.Fatalf("unknown page: %d", rec.Code)
	}
	if body := get(t, live, "/console/instances").Body.String(); strings.Contains(body, "<script>") {
		t.Fatal("a page carries an inline script, which the policy would block")
	}
}

// TestOwns: the console takes `/` and /console/..., and leaves every API path to the API.
func TestOwns(t *testing.T) {
	for path, want := range map[string]bool{"/": true, "/console": true, "/console/x": true, "/api/instance/list": false, "/health": false, "/consoles": false} {
		if Owns(path) != want {
			t.Errorf("Owns(%q) = %v", path, !want)
		}
	}
}
