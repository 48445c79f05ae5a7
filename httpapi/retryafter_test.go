package httpapi

import (
	"net/http"
	"testing"
	"time"
)

// Retry-After is whole seconds, so a client told to wait must be told at least the real wait:
// rounded up. The clocks of the other rate-limit tests move in whole seconds, where rounding
// down gives the same answer; these move by fractions.
func TestRetryAfterRoundsUp(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RateLimit = 1 })
	token := e.account("a", 0)
	e.do("GET", "/api/instance/list", token, nil).Want(http.StatusOK)

	e.clock.Advance(15*time.Second + 400*time.Millisecond) // 44.6 s of the window left
	res := e.do("GET", "/api/instance/list", token, nil)
	res.WantErrorCode(http.StatusTooManyRequests, "Rate limit exceeded. Try again later.", "rate_limited")
	if got := res.Header.Get("Retry-After"); got != "45" {
		t.Fatalf("Retry-After = %q with 44.6 s left, want 45", got)
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	now := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		left time.Duration
		want int
	}{
		{time.Millisecond, 1},
		{999 * time.Millisecond, 1},
		{time.Second, 1},
		{time.Second + time.Millisecond, 2},
		{1500 * time.Millisecond, 2},
		{59*time.Second + 999*time.Millisecond, 60},
		{0, 1}, // never "retry after 0": the client was refused
	} {
		if got := retryAfter(decision{Reset: now.Add(tc.left)}, now); got != tc.want {
			t.Errorf("retryAfter with %v left = %d, want %d", tc.left, got, tc.want)
		}
	}
}
