package store_test

import (
	"sync"
	"testing"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestPreparedReadsSeeOtherProcesses has two stores on one database, as the server and
// `switchboard account create` are: after the server's prepared token lookups have run on every
// pooled connection, a token created by the other store is found at once, and an instance
// deleted by it is gone at once. A prepared statement left holding a read transaction would
// fail this with a stale snapshot. The server's token cache is off: a delete by another process
// is meant to reach a caching store only after the TTL (TestTokenCacheSeesOtherStoreAfterTTL),
// and this test is about the statements underneath.
func TestPreparedReadsSeeOtherProcesses(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		server := storetest.OpenDSN(t, dsn, store.WithTokenCacheTTL(0))
		other := storetest.OpenDSN(t, dsn)
		acc, _ := newAccount(t, server, "acme", 0)
		inst, instToken := newInstance(t, server, acc.ID, "bot")
		warmAllConnections(t, server, switchboard.HashToken(instToken))

		newAcc, newToken := newAccount(t, other, "later", 0)
		got, err := server.AccountByTokenHash(ctx(t), switchboard.HashToken(newToken))
		must(t, "AccountByTokenHash of a token created by another store", err)
		if got.ID != newAcc.ID {
			t.Fatalf("account id = %d, want %d", got.ID, newAcc.ID)
		}

		must(t, "DeleteInstance in the other store", other.DeleteInstance(ctx(t), inst.ID))
		for range 20 { // every pooled connection must see it, not only the next one
			_, err := server.InstanceByTokenHash(ctx(t), switchboard.HashToken(instToken))
			wantIs(t, "InstanceByTokenHash after delete", err, switchboard.ErrNotFound)
		}
	})
}

// warmAllConnections runs the token lookup from many goroutines at once, so that the pool opens
// its connections and the prepared statement is used on each of them.
func warmAllConnections(t *testing.T, s *store.Store, hash string) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, 16*20)
	for range 16 {
		wg.Go(func() {
			for range 20 {
				if _, err := s.InstanceByTokenHash(ctx(t), hash); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, "InstanceByTokenHash", err)
	}
}

// TestSettingsOfDifferentRows reads instances with different settings in turn: the remembered
// last decoding must never give one row another's settings.
func TestSettingsOfDifferentRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acc, _ := newAccount(t, s, "acme", 0)
		plain, _ := newInstance(t, s, acc.ID, "plain")
		custom, _ := newInstance(t, s, acc.ID, "custom")
		want := switchboard.Settings{AutoRejectCalls: true, CallRejectMessage: "busy"}
		must(t, "SetSettings", s.SetSettings(ctx(t), custom.ID, want))
		for range 3 {
			got, err := s.InstanceByID(ctx(t), plain.ID)
			must(t, "InstanceByID plain", err)
			if got.Settings != switchboard.DefaultSettings() {
				t.Fatalf("plain settings = %+v, want the defaults", got.Settings)
			}
			got, err = s.InstanceByID(ctx(t), custom.ID)
			must(t, "InstanceByID custom", err)
			if got.Settings != want {
				t.Fatalf("custom settings = %+v, want %+v", got.Settings, want)
			}
		}
	})
}
