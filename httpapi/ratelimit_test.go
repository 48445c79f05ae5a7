package httpapi

import (
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"testing"
	"time"
)

func TestLimiterExactness(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 5, 1, 12, 0, 0, 500_000_000, time.UTC)}
	l := newLimiter(clock.Now)
	start := clock.Now()

	for i := 1; i <= 100; i++ {
		d := l.take("A", 100)
		if !d.Allowed {
			t.Fatalf("request %d refused", i)
		}
		if d.Remaining != 100-i {
			t.Fatalf("request %d: remaining = %d, want %d", i, d.Remaining, 100-i)
		}
		if !d.Reset.Equal(start.Add(time.Minute)) {
			t.Fatalf("request %d: reset = %v, want %v", i, d.Reset, start.Add(time.Minute))
		}
		clock.Advance(100 * time.Millisecond) // all 100 within the first 10 s of the window
	}
	if d := l.take("A", 100); d.Allowed || d.Remaining != 0 {
		t.Fatalf("101st: allowed=%v remaining=%d, want refused with 0", d.Allowed, d.Remaining)
	}
	if d := l.take("B", 100); !d.Allowed || d.Remaining != 99 {
		t.Fatalf("token B: allowed=%v remaining=%d, want allowed with 99", d.Allowed, d.Remaining)
	}

	// One nanosecond before the window ends A is still refused; at the end it passes again.
	clock.now = start.Add(time.Minute - time.Nanosecond)
	if d := l.take("A", 100); d.Allowed {
		t.Fatal("refused requests must not open a new window early")
	}
	clock.now = start.Add(time.Minute)
	if d := l.take("A", 100); !d.Allowed || d.Remaining != 99 || !d.Reset.Equal(start.Add(2*time.Minute)) {
		t.Fatalf("after reset: %+v", d)
	}
}

func TestLimiterCreateBucket(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	l := newLimiter(clock.Now)
	for i := 0; i < 20; i++ {
		if !l.take("A", 20).Allowed {
			t.Fatalf("create %d refused", i+1)
		}
	}
	if l.take("A", 20).Allowed {
		t.Fatal("21st create allowed")
	}
}

func TestLimiterEvictsIdleKeys(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	l := newLimiter(clock.Now)
	for i := 0; i < 1000; i++ {
		l.take(fmt.Sprint("key", i), 100)
	}
	if n := l.size(); n != 1000 {
		t.Fatalf("size = %d", n)
	}
	clock.Advance(time.Minute)
	l.take("fresh", 100)
	if n := l.size(); n != 1 {
		t.Fatalf("after a window, size = %d, want 1 (idle keys evicted)", n)
	}
}

// TestLimiterFullTableKeepsLimiting fills the table to its cap: a new key is still tracked and
// refused past its limit (the table used to let untracked keys through, so spraying addresses
// switched the limiter off), the table never grows past its cap, and a key at its limit outlives
// the one-request keys that churn through the table.
func TestLimiterFullTableKeepsLimiting(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	l := newLimiter(clock.Now)
	l.maxKeys = 16
	for i := 0; i < 3; i++ {
		l.take("attacker", 3)
	}
	for i := 0; i < 200; i++ {
		l.take(fmt.Sprint("spray", i), 3)
		if n := l.size(); n > 16 {
			t.Fatalf("table grew past its cap: %d", n)
		}
	}
	if l.take("attacker", 3).Allowed {
		t.Fatal("a key at its limit was evicted by one-request keys and its count lost")
	}
	for i := 0; i < 50; i++ {
		key := fmt.Sprint("new", i)
		for j := 0; j < 3; j++ {
			if !l.take(key, 3).Allowed {
				t.Fatalf("%s refused within its limit", key)
			}
		}
		if l.take(key, 3).Allowed {
			t.Fatalf("%s passed its limit while the table was full", key)
		}
	}
}

func TestResetUnixRoundsUp(t *testing.T) {
	if got := resetUnix(time.Unix(100, 1)); got != 101 {
		t.Fatalf("resetUnix(100.000000001) = %d", got)
	}
	if got := resetUnix(time.Unix(100, 0)); got != 100 {
		t.Fatalf("resetUnix(100) = %d", got)
	}
}

// TestRateLimitOverHTTP drives the real handler: 100 requests pass with the headers counting
// down, the 101st is RyzeAPI's 429, the window reset lets the client in again, and another
// token has its own bucket.
func TestRateLimitOverHTTP(t *testing.T) {
	e := newEnv(t)
	tokenA := e.account("a", 0)
	tokenB := e.account("b", 0)
	reset := strconv.FormatInt(e.clock.Now().Add(time.Minute).Unix(), 10)

	for i := 1; i <= 100; i++ {
		res := e.do("GET", "/api/instance/list", tokenA, nil).Want(http.StatusOK)
		want := map[string]string{
			"X-RateLimit-Limit":     "100",
			"X-RateLimit-Remaining": strconv.Itoa(100 - i),
			"X-RateLimit-Reset":     reset,
			"RateLimit-Policy":      `"global";q=100;w=60`,
			"RateLimit":             fmt.Sprintf(`"global";r=%d;t=60`, 100-i),
		}
		for h, v := range want {
			if got := res.Header.Get(h); got != v {
				t.Fatalf("request %d: %s = %q, want %q", i, h, got, v)
			}
		}
	}

	e.clock.Advance(15 * time.Second)
	res := e.do("GET", "/api/instance/list", tokenA, nil)
	res.WantErrorCode(http.StatusTooManyRequests, "Rate limit exceeded. Try again later.", "rate_limited")
	if string(res.Raw) != `{"success":false,"error":{"message":"Rate limit exceeded. Try again later.","code":"rate_limited"}}`+"\n" {
		t.Fatalf("429 body = %s", res.Raw)
	}
	for h, v := range map[string]string{"Retry-After": "45", "X-RateLimit-Remaining": "0", "X-RateLimit-Limit": "100", "X-RateLimit-Reset": reset} {
		if got := res.Header.Get(h); got != v {
			t.Fatalf("429: %s = %q, want %q", h, got, v)
		}
	}

	// Errors after authentication count and carry the headers too.
	e.do("GET", "/api/instance/getSettings/nope", tokenB, nil).Want(http.StatusNotFound)
	res = e.do("GET", "/api/instance/list", tokenB, nil).Want(http.StatusOK)
	if got := res.Header.Get("X-RateLimit-Remaining"); got != "98" {
		t.Fatalf("token B remaining = %q, want 98 (its own bucket, 404 counted)", got)
	}

	e.clock.Advance(45 * time.Second)
	res = e.do("GET", "/api/instance/list", tokenA, nil).Want(http.StatusOK)
	if got := res.Header.Get("X-RateLimit-Remaining"); got != "99" {
		t.Fatalf("after reset remaining = %q, want 99", got)
	}
}

func TestCreateBucketOverHTTP(t *testing.T) {
	e := newEnv(t)
	token := e.account("a", 0)
	for i := 1; i <= 20; i++ {
		res := e.do("POST", "/api/instance/new", token, map[string]any{"name": fmt.Sprint("i", i)}).Want(http.StatusCreated)
		if got, want := res.Header.Get("X-RateLimit-Remaining"), strconv.Itoa(20-i); got != want {
			t.Fatalf("create %d: remaining = %q, want %q", i, got, want)
		}
		if got := res.Header.Get("X-RateLimit-Limit"); got != "20" {
			t.Fatalf("create %d: limit = %q, want 20", i, got)
		}
		if got, want := res.Header.Get("RateLimit-Policy"), `"global";q=100;w=60, "create";q=20;w=60`; got != want {
			t.Fatalf("RateLimit-Policy = %q, want %q", got, want)
		}
	}
	res := e.do("POST", "/api/instance/new", token, map[string]any{"name": "i21"})
	res.WantErrorCode(http.StatusTooManyRequests, "Rate limit exceeded. Try again later.", "rate_limited")
	if res.Header.Get("Retry-After") != "60" {
		t.Fatalf("Retry-After = %q", res.Header.Get("Retry-After"))
	}
	// The global bucket still has room: other routes work.
	res = e.do("GET", "/api/instance/list", token, nil).Want(http.StatusOK)
	if got := res.Header.Get("X-RateLimit-Remaining"); got != "78" {
		t.Fatalf("global remaining = %q, want 78 (21 creates counted)", got)
	}
}

func TestHealthBypassesRateLimit(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RateLimit = 1 })
	for i := 0; i < 5; i++ {
		res := e.do("GET", "/health", "", nil).Want(http.StatusOK)
		if res.Header.Get("X-RateLimit-Limit") != "" {
			t.Fatal("/health carries rate-limit headers")
		}
	}
}

func TestAuthFailuresLimitedPerIP(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.AuthFailureLimit = 5 })
	good := e.account("a", 0)
	for i := 0; i < 5; i++ {
		e.do("GET", "/api/instance/list", "sba_wrong", nil).WantErrorCode(http.StatusUnauthorized, "Invalid token", "unauthorized")
	}
	res := e.do("GET", "/api/instance/list", "sba_wrong", nil)
	res.WantErrorCode(http.StatusTooManyRequests, "Rate limit exceeded. Try again later.", "rate_limited")
	if res.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After on an auth-failure 429")
	}
	// Only failures are refused: a valid token from the same address still works (behind a
	// proxy, the address is shared with whoever is guessing), and does not reset the count.
	e.do("GET", "/api/instance/list", good, nil).Want(http.StatusOK)
	e.do("GET", "/api/instance/list", "sba_wrong", nil).Want(http.StatusTooManyRequests)
	e.clock.Advance(time.Minute)
	e.do("GET", "/api/instance/list", "sba_wrong", nil).WantErrorCode(http.StatusUnauthorized, "Invalid token", "unauthorized")
}

func TestClientIP(t *testing.T) {
	direct := newEnv(t).api
	proxied := newEnv(t, func(c *Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	}).api
	cases := []struct {
		s           *Server
		remote, xff string
		want        string
	}{
		{direct, "192.0.2.7:5555", "203.0.113.1", "192.0.2.7"}, // an untrusted peer cannot forge
		{direct, "[2001:db8:1:2:3:4:5:6]:443", "", "2001:db8:1:2::/64"},
		{direct, "[2001:db8:1:2:ffff::1]:1234", "", "2001:db8:1:2::/64"},
		{direct, "[::ffff:192.0.2.9]:80", "", "192.0.2.9"},
		{direct, "not-an-address", "", "not-an-address"},
		{proxied, "10.1.1.1:80", "203.0.113.1", "203.0.113.1"},
		{proxied, "10.1.1.1:80", "198.51.100.1, 203.0.113.1, 10.2.2.2", "203.0.113.1"}, // right-most untrusted
		{proxied, "[fd00::1]:80", "2001:db8:9:9::1", "2001:db8:9:9::/64"},
		{proxied, "10.1.1.1:80", "", "10.1.1.1"},
		{proxied, "10.1.1.1:80", "garbage", "10.1.1.1"},
		{proxied, "192.0.2.7:80", "203.0.113.1", "192.0.2.7"},
	}
	for _, c := range cases {
		r, _ := http.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := c.s.clientIP(r); got != c.want {
			t.Errorf("clientIP(%q, xff %q) = %q, want %q", c.remote, c.xff, got, c.want)
		}
	}
}
