package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"net/http"
	"testing"
	"time"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestRotateInstanceToken (issue 13, item 6): after a rotation the old instance token is refused
// at once and the new one works; the paired WhatsApp session is untouched; an instance token may
// not rotate (403) and another account's token does not find the instance (404).
func TestRotateInstanceToken(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		e := apptest.Start(t, dsn)
		alice := e.Account("alice")
		old := e.Instance(alice, "shop")
		e.Pair(alice, "shop", "")
		e.Do("GET", "/api/instance/getSettings/shop", old, nil).Want(http.StatusOK) // cached now

		e.Do("POST", "/api/instance/rotateToken/shop", old, nil).
			WantError(http.StatusForbidden, "Only an account token can rotate an instance token")
		bob := e.Account("bob")
		e.Do("POST", "/api/instance/rotateToken/shop", bob, nil).WantError(http.StatusNotFound, "Instance not found")

		res := e.Do("POST", "/api/instance/rotateToken/shop", alice, nil).Want(http.StatusOK)
		fresh := res.Str("instance.token")
		if fresh == "" || fresh == old || res.Str("data.token") != fresh || res.Str("instance.name") != "shop" {
			t.Fatalf("rotation answer: %s", res.Raw)
		}
		e.Do("GET", "/api/instance/getSettings/shop", old, nil).WantError(http.StatusUnauthorized, "Invalid token")
		e.Do("GET", "/api/instance/getSettings/shop", fresh, nil).Want(http.StatusOK)
		e.WaitState(alice, "shop", "connected") // rotation revokes API access, not the device
		if bytes.Contains([]byte(e.Logs.String()), []byte(fresh)) {
			t.Fatal("the new token reached the log")
		}
	})
}

// TestCustomTokenIsNoExistenceOracle (issue 13, item 7): a custom token that another account
// already uses is refused with the very answer a weak token gets, and creates nothing.
func TestCustomTokenIsNoExistenceOracle(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		e := apptest.Start(t, dsn)
		alice, bob := e.Account("alice"), e.Account("bob")
		const strong = "3f9c2a7be41d08c6f5a9e3b7d2c4018e"
		e.Do("POST", "/api/instance/new", bob, map[string]any{"name": "b", "token": strong}).Want(http.StatusCreated)

		weak := e.Do("POST", "/api/instance/new", alice, map[string]any{"name": "a", "token": "my-instance-token-01"})
		weak.WantError(http.StatusBadRequest, "Invalid token: "+switchboard.CustomTokenRule)
		for _, taken := range []string{strong, bob} { // an instance's token, an account's token
			res := e.Do("POST", "/api/instance/new", alice, map[string]any{"name": "a", "token": taken})
			if res.Status != weak.Status || !bytes.Equal(res.Raw, weak.Raw) {
				t.Fatalf("a taken token answered %d %s; a weak one %d %s", res.Status, res.Raw, weak.Status, weak.Raw)
			}
		}
		if n := len(e.Do("GET", "/api/instance/list", alice, nil).Want(http.StatusOK).List("instances")); n != 0 {
			t.Fatalf("alice has %d instances after refused creates", n)
		}
	})
}

// TestCreateInstanceIdempotencyKey (issue 13, item 14): a retry of POST /api/instance/new with
// the same Idempotency-Key gets the first answer again, token included, and only one instance
// exists; the stored answer does not hold the token in clear; without SWITCHBOARD_SECRET_KEY the
// header is refused before anything is created.
func TestCreateInstanceIdempotencyKey(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		sealer, err := store.NewSealer(key)
		if err != nil {
			t.Fatal(err)
		}
		e := apptest.Start(t, dsn, func(c *app.Config) { c.Sealer = sealer })
		acc := e.Account("alice")
		body := map[string]any{"name": "shop", "autoRejectCalls": true}
		hdr := map[string]string{"Idempotency-Key": "create-shop-1"}

		first := e.DoWithHeaders("POST", "/api/instance/new", acc, body, hdr).Want(http.StatusCreated)
		token := first.Str("instance.token")
		again := e.DoWithHeaders("POST", "/api/instance/new", acc, body, hdr).Want(http.StatusCreated)
		if !bytes.Equal(again.Raw, first.Raw) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("the retry answered %s (replayed %q), want the first answer %s", again.Raw, again.Header.Get("Idempotent-Replayed"), first.Raw)
		}
		if n := len(e.Do("GET", "/api/instance/list", acc, nil).Want(http.StatusOK).List("instances")); n != 1 {
			t.Fatalf("%d instances after a create and its retry, want 1", n)
		}
		e.Do("GET", "/api/instance/getSettings/shop", token, nil).Want(http.StatusOK)

		var stored []byte
		if err := e.App.Store().DB().QueryRowContext(context.Background(),
			`SELECT body FROM idempotency_keys WHERE key = $1`, "create-shop-1").Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if len(stored) == 0 || bytes.Contains(stored, []byte(token)) || bytes.Contains(stored, []byte(`"success"`)) {
			t.Fatalf("the stored answer is not sealed: %q", stored)
		}

		e.DoWithHeaders("POST", "/api/instance/new", acc, map[string]any{"name": "other"}, hdr).
			WantError(http.StatusUnprocessableEntity, "Idempotency-Key was already used with a different request body")

		// A live (not sandbox) server without SWITCHBOARD_SECRET_KEY: the sandbox would keep a
		// key of its own. Creating an instance does not dial WhatsApp, so nothing leaves the host.
		plain := apptest.Start(t, storetest.SQLiteDSN(t), func(c *app.Config) { c.Sandbox = false })
		acc2 := plain.Account("bob")
		res := plain.DoWithHeaders("POST", "/api/instance/new", acc2, body, hdr).Want(http.StatusBadRequest)
		if !bytes.Contains([]byte(res.Str("error.message")), []byte("SWITCHBOARD_SECRET_KEY")) {
			t.Fatalf("the refusal does not name the variable: %s", res.Raw)
		}
		if n := len(plain.Do("GET", "/api/instance/list", acc2, nil).Want(http.StatusOK).List("instances")); n != 0 {
			t.Fatalf("%d instances after a refused create", n)
		}
	})
}

// TestRotationReachesOtherGatewayAtOnce (issue 13, item 6): two gateway processes share one
// PostgreSQL, each with a one-minute token cache. A token that gateway B has just served is
// rotated through gateway A, or its instance deleted there; B must refuse the old token within
// seconds, long before its cache entry would expire (the LISTEN/NOTIFY invalidation).
func TestRotationReachesOtherGatewayAtOnce(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	longCache := func(c *app.Config) { c.TokenCacheTTL = time.Minute }
	a := apptest.Start(t, dsn, longCache)
	b := apptest.Start(t, dsn, longCache)
	acc := a.Account("alice")
	for _, change := range []struct {
		name string
		do   func(instance string)
	}{
		{"rotated", func(instance string) {
			a.Do("POST", "/api/instance/rotateToken/"+instance, acc, nil).Want(http.StatusOK)
		}},
		{"deleted", func(instance string) {
			a.Do("DELETE", "/api/instance/delete/"+instance, acc, nil).Want(http.StatusOK)
		}},
	} {
		t.Run(change.name, func(t *testing.T) {
			token := a.Instance(acc, change.name)
			b.Do("GET", "/api/instance/getSettings/"+change.name, token, nil).Want(http.StatusOK)
			change.do(change.name)
			deadline := time.Now().Add(15 * time.Second)
			for b.Do("GET", "/api/instance/getSettings/"+change.name, token, nil).Status != http.StatusUnauthorized {
				if time.Now().After(deadline) {
					t.Fatal("gateway B still accepts the old token 15 s after gateway A changed it (its cache TTL is 1 min)")
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
}
