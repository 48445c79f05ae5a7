package egress

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	return ln
}

func testOptions(allowPrivate bool) Options {
	return Options{AllowPrivate: allowPrivate, Timeout: 5 * time.Second, MaxRedirects: 3, MaxBytes: 1000}
}

func TestGetRefusesPrivateAddressesBeforeConnecting(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	c := New(testOptions(false))
	var refused *RefusedError
	for _, u := range []string{srv.URL, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)} {
		if _, err := c.Get(context.Background(), u, nil); !errors.As(err, &refused) {
			t.Fatalf("GET %s: %v, want a *RefusedError", u, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the guarded client reached the loopback server %d times", n)
	}
}

func TestGetFollowsTheLimits(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept") != "image/png" {
			http.Error(w, "no accept header", http.StatusBadRequest)
			return
		}
		_, _ = w.Write([]byte("body"))
	})
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(make([]byte, 1001)) })
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop", http.StatusFound) })
	mux.HandleFunc("/ftp", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "ftp://example.com/x", http.StatusFound)
	})
	mux.HandleFunc("/hang", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := New(testOptions(true))
	ctx := context.Background()

	body, err := c.Get(ctx, srv.URL+"/ok", http.Header{"Accept": {"image/png"}})
	if err != nil || string(body) != "body" {
		t.Fatalf("GET /ok: %q %v", body, err)
	}
	var status *StatusError
	if _, err := c.Get(ctx, srv.URL+"/missing", nil); !errors.As(err, &status) || status.Code != 404 {
		t.Fatalf("GET /missing: %v", err)
	}
	if _, err := c.Get(ctx, srv.URL+"/big", nil); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("GET /big: %v", err)
	}
	var redirect *RedirectError
	if _, err := c.Get(ctx, srv.URL+"/loop", nil); !errors.As(err, &redirect) || redirect.Reason != "too many redirects" {
		t.Fatalf("GET /loop: %v", err)
	}
	if _, err := c.Get(ctx, srv.URL+"/ftp", nil); !errors.As(err, &redirect) || !strings.Contains(redirect.Reason, "non-http(s)") {
		t.Fatalf("GET /ftp: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := c.Get(short, srv.URL+"/hang", nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("GET /hang: %v", err)
	}
	for _, bad := range []string{"http://", "ftp://example.com/a", "::"} {
		if _, err := c.Get(ctx, bad, nil); !errors.Is(err, ErrInvalidURL) {
			t.Fatalf("GET %q: %v", bad, err)
		}
	}
}
