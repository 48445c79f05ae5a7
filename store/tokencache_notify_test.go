package store_test

import (
	"testing"
	"time"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

// crossProcessTTL is far longer than any wait below: a token still accepted when a wait gives up
// was served by a cache that heard nothing, not by a slow machine.
const crossProcessTTL = time.Minute

// notifyWithin bounds how long a notification may take to arrive before the test fails. It is a
// deadline for a poll, not a sleep: a passing run ends as soon as the change is seen.
const notifyWithin = 15 * time.Second

// TestOtherProcessWritesReachTokenCache runs two stores on one PostgreSQL database, as two gateway
// processes (or a gateway and the CLI) do. A token deleted or rotated through one is refused by
// the other as soon as the notifications committed so far have been applied (AwaitInvalidations,
// a marker sent through the same channel), not when its one-minute cache entry expires. No sleep
// or poll decides the outcome.
func TestOtherProcessWritesReachTokenCache(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	server := storetest.OpenDSN(t, dsn, store.WithTokenCacheTTL(crossProcessTTL))
	other := storetest.OpenDSN(t, dsn, store.WithTokenCacheTTL(crossProcessTTL))
	acc, accToken := newAccount(t, other, "acme", 0)

	t.Run("instance deleted", func(t *testing.T) {
		inst, token := newInstance(t, other, acc.ID, "deleted")
		hash := switchboard.HashToken(token)
		warm(t, func() error { _, err := server.InstanceByTokenHash(ctx(t), hash); return err })
		must(t, "DeleteInstance", other.DeleteInstance(ctx(t), inst.ID))
		refusedNow(t, server, func() error { _, err := server.InstanceByTokenHash(ctx(t), hash); return err })
	})
	t.Run("instance token rotated", func(t *testing.T) {
		inst, token := newInstance(t, other, acc.ID, "rotated")
		hash := switchboard.HashToken(token)
		warm(t, func() error { _, err := server.InstanceByTokenHash(ctx(t), hash); return err })
		newToken := switchboard.NewToken(switchboard.InstanceTokenPrefix)
		must(t, "RotateInstanceToken", other.RotateInstanceToken(ctx(t), inst.ID, switchboard.HashToken(newToken)))
		refusedNow(t, server, func() error { _, err := server.InstanceByTokenHash(ctx(t), hash); return err })
		_, err := server.InstanceByTokenHash(ctx(t), switchboard.HashToken(newToken))
		must(t, "the new token", err)
	})
	t.Run("account token rotated", func(t *testing.T) {
		hash := switchboard.HashToken(accToken)
		warm(t, func() error { _, err := server.AccountByTokenHash(ctx(t), hash); return err })
		_, err := other.RotateAccountToken(ctx(t), "acme", switchboard.HashToken(switchboard.NewToken(switchboard.AccountTokenPrefix)))
		must(t, "RotateAccountToken", err)
		refusedNow(t, server, func() error { _, err := server.AccountByTokenHash(ctx(t), hash); return err })
	})
}

// TestTokenCacheClearedWhenListenerReconnects: notifications sent while the listener is down are
// lost, so a store whose listening connection fails must not keep what it cached. A row is
// deleted with the triggers off (a notification that never arrives), the store's listener is
// killed from the server side, and the deleted token must then be refused, long before the TTL.
func TestTokenCacheClearedWhenListenerReconnects(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	server := storetest.OpenDSN(t, dsn, store.WithTokenCacheTTL(crossProcessTTL))
	admin := storetest.OpenDSN(t, dsn, store.WithTokenCacheTTL(0))
	acc, _ := newAccount(t, admin, "acme", 0)
	inst, token := newInstance(t, admin, acc.ID, "bot")
	hash := switchboard.HashToken(token)
	warm(t, func() error { _, err := server.InstanceByTokenHash(ctx(t), hash); return err })

	exec(t, admin, `DELETE FROM instances WHERE id = $1`, inst.ID) // no notification
	if _, err := server.InstanceByTokenHash(ctx(t), hash); err != nil {
		t.Fatalf("the lookup is not cached (a deleted row was looked up again): %v", err)
	}
	var killed int
	must(t, "terminate the listener", admin.DB().QueryRowContext(ctx(t),
		`SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
		 WHERE application_name = 'switchboard-token-cache:' || current_schema()`).Scan(&killed))
	if killed == 0 {
		t.Fatal("no listening connection found in pg_stat_activity")
	}
	refusedSoon(t, func() error { _, err := server.InstanceByTokenHash(ctx(t), hash); return err })
}

// warm looks a token up (filling the cache) and fails if it is refused.
func warm(t *testing.T, lookup func() error) {
	t.Helper()
	must(t, "lookup before the change", lookup())
}

// refusedNow waits until s has applied the notifications committed so far, then expects lookup
// to answer ErrNotFound at once.
func refusedNow(t *testing.T, s *store.Store, lookup func() error) {
	t.Helper()
	must(t, "AwaitInvalidations", s.AwaitInvalidations(ctx(t)))
	wantIs(t, "lookup of the changed token", lookup(), switchboard.ErrNotFound)
}

// refusedSoon polls lookup until it answers ErrNotFound, failing after notifyWithin.
func refusedSoon(t *testing.T, lookup func() error) {
	t.Helper()
	deadline := time.Now().Add(notifyWithin)
	for {
		err := lookup()
		if switchboard.IsCode(err, switchboard.CodeNotFound) {
			return
		}
		must(t, "lookup", err)
		if time.Now().After(deadline) {
			t.Fatalf("the token is still accepted %v after the other store's change (cache TTL %v)", notifyWithin, crossProcessTTL)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
