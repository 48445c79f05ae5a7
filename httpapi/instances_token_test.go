package httpapi

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard/switchboard"
)

// TestTakenCustomTokenCountsAsFailedLogin: offering a token that already exists costs the client
// address a failed authentication, like presenting a wrong token; offering a weak one does not.
// With a budget of 3, three such offers leave the address refused (429) for an unknown token,
// where five weak tokens still leave it an ordinary 401.
func TestTakenCustomTokenCountsAsFailedLogin(t *testing.T) {
	const taken = "3f9c2a7be41d08c6f5a9e3b7d2c4018e"
	invalidToken := "Invalid token: " + switchboard.CustomTokenRule

	weakOnly := newEnv(t, func(c *Config) { c.AuthFailureLimit = 3 })
	acc := weakOnly.account("a", 0)
	for range 5 {
		weakOnly.do("POST", "/api/instance/new", acc, map[string]any{"name": "x", "token": "my-instance-token-01"}).
			WantErrorCode(http.StatusBadRequest, invalidToken, switchboard.CodeInvalid)
	}
	weakOnly.do("GET", "/api/instance/list", "sbi_unknown", nil).WantErrorCode(http.StatusUnauthorized, "Invalid token", switchboard.CodeUnauthorized)

	e := newEnv(t, func(c *Config) { c.AuthFailureLimit = 3 })
	acc = e.account("a", 0)
	e.do("POST", "/api/instance/new", acc, map[string]any{"name": "owner", "token": taken}).Want(http.StatusCreated)
	for range 3 {
		e.do("POST", "/api/instance/new", acc, map[string]any{"name": "x", "token": taken}).
			WantErrorCode(http.StatusBadRequest, invalidToken, switchboard.CodeInvalid)
	}
	e.do("GET", "/api/instance/list", "sbi_unknown", nil).Want(http.StatusTooManyRequests)
}

// TestRotateTokenStoreFailure: a failing store is the route's 500, the cause only in the log,
// and the old token keeps working (nothing changed).
func TestRotateTokenStoreFailure(t *testing.T) {
	e := newEnv(t)
	acc := e.account("a", 0)
	old := e.instance(acc, "shop")
	e.store.failOnce("RotateInstanceToken", errors.New("disk on fire"))
	res := e.do("POST", "/api/instance/rotateToken/shop", acc, nil).
		WantErrorCode(http.StatusInternalServerError, "Failed to rotate the instance token", switchboard.CodeInternal)
	if strings.Contains(string(res.Raw), "fire") || !strings.Contains(e.logs.String(), "disk on fire") {
		t.Fatalf("cause handling: %s", res.Raw)
	}
	e.do("GET", "/api/instance/getSettings/shop", old, nil).Want(http.StatusOK)
}

// TestSealedReplayIsBoundToAccountAndKey: a sealed answer opens only for the account and key it
// was stored under, so a row copied elsewhere in the table replays nothing.
func TestSealedReplayIsBoundToAccountAndKey(t *testing.T) {
	e := newEnv(t)
	sealed, err := e.api.replaySealing(1, "k").seal([]byte(`{"token":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	if body, err := e.api.replaySealing(1, "k").open(sealed); err != nil || string(body) != `{"token":"x"}` {
		t.Fatalf("own record: %q, %v", body, err)
	}
	for _, other := range []struct {
		account int64
		key     string
	}{{2, "k"}, {1, "k2"}, {1, "K"}} {
		if _, err := e.api.replaySealing(other.account, other.key).open(sealed); err == nil {
			t.Errorf("a record of account 1 key k opened as account %d key %q", other.account, other.key)
		}
	}
}
