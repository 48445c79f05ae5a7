package e2e

import (
	"net/http"
	"net/netip"
	"testing"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestValidTokenSurvivesFailedLogins reproduces the review's finding against the real server:
// 300 bad tokens from one address, then valid tokens from the same address. The failure limiter
// used to run before the token lookup and answered 429 to every tenant behind that address; now
// only failures count and only failures are refused.
func TestValidTokenSurvivesFailedLogins(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		e := apptest.Start(t, dsn) // the default failure limit: 300 a minute per address
		alice := e.Account("alice")
		aliceInst := e.Instance(alice, "shop")
		for i := 0; i < 300; i++ {
			e.Do("GET", "/api/instance/list", "sba_not-a-real-token", nil).WantError(http.StatusUnauthorized, "Invalid token")
		}
		e.Do("GET", "/api/instance/list", "sba_not-a-real-token", nil).WantError(http.StatusTooManyRequests, "Rate limit exceeded. Try again later.")

		e.Do("GET", "/api/instance/list", alice, nil).Want(http.StatusOK)
		e.Do("GET", "/api/instance/getSettings/shop", aliceInst, nil).Want(http.StatusOK)
		bearer := http.Header{"Authorization": {"Bearer " + alice}}
		e.DoHeaders("GET", "/api/instance/list", bearer, "").Want(http.StatusOK)
		// The guesser is still refused: a success in between resets nothing.
		e.Do("GET", "/api/instance/list", "sba_not-a-real-token", nil).WantError(http.StatusTooManyRequests, "Rate limit exceeded. Try again later.")
	})
}

// TestTrustedProxiesKeyClientsApart runs the server behind a "proxy" (the test client on
// loopback, listed in TrustedProxies): two clients with different X-Forwarded-For addresses have
// separate failure budgets, and a forged left-hand X-Forwarded-For entry changes nothing, as the
// right-most untrusted address is the client. A peer that is not a trusted proxy cannot dodge
// the limit with the header: it is ignored.
func TestTrustedProxiesKeyClientsApart(t *testing.T) {
	const limit = 5
	bad := func(e *apptest.Env, xff string) *apptest.Response {
		return e.DoHeaders("GET", "/api/instance/list", http.Header{"token": {"sba_wrong"}, "X-Forwarded-For": {xff}}, "")
	}
	t.Run("trusted", func(t *testing.T) {
		e := apptest.Start(t, storetest.SQLiteDSN(t), func(c *app.Config) {
			c.AuthFailureLimit = limit
			c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
		})
		for i := 0; i < limit; i++ {
			bad(e, "203.0.113.1").WantError(http.StatusUnauthorized, "Invalid token")
		}
		bad(e, "203.0.113.1").WantError(http.StatusTooManyRequests, "Rate limit exceeded. Try again later.")
		bad(e, "198.51.100.77, 203.0.113.1").WantError(http.StatusTooManyRequests, "Rate limit exceeded. Try again later.")
		// Another client behind the same proxy has its own budget.
		for i := 0; i < limit; i++ {
			bad(e, "203.0.113.2").WantError(http.StatusUnauthorized, "Invalid token")
		}
		bad(e, "203.0.113.2").WantError(http.StatusTooManyRequests, "Rate limit exceeded. Try again later.")
		bad(e, "203.0.113.3").WantError(http.StatusUnauthorized, "Invalid token")
	})
	t.Run("untrusted peer", func(t *testing.T) {
		e := apptest.Start(t, storetest.SQLiteDSN(t), func(c *app.Config) {
			c.AuthFailureLimit = limit
			c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")} // not the test client
		})
		for i := 0; i < limit; i++ {
			bad(e, "203.0.113."+string(rune('1'+i))).WantError(http.StatusUnauthorized, "Invalid token")
		}
		bad(e, "203.0.113.200").WantError(http.StatusTooManyRequests, "Rate limit exceeded. Try again later.")
	})
}
