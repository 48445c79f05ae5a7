package store_test

import (
	"bytes"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

// longTTL keeps entries alive for the whole test, so "the cache answered" is deterministic: a
// value changed behind the store's back stays unseen until something invalidates it.
const longTTL = time.Hour

// TestTokenCacheServesRepeatedLookups: a repeated lookup answers with equal data and without the
// database (a row changed by raw SQL through another store stays unseen within the TTL), and the
// change is seen once the TTL has passed. Two caching stores split the two halves, so neither
// depends on how fast the machine is: one whose entries outlive the test shows the cached value,
// one with a short TTL shows the change once it has passed.
func TestTokenCacheServesRepeatedLookups(t *testing.T) {
	const ttl = 300 * time.Millisecond
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		server := storetest.OpenDSN(t, dsn, store.WithTokenCacheTTL(longTTL))
		expiring := storetest.OpenDSN(t, dsn, store.WithTokenCacheTTL(ttl))
		other := storetest.OpenDSN(t, dsn)
		acc, accToken := newAccount(t, server, "acme", 0)
		inst, instToken := newInstance(t, server, acc.ID, "bot")
		must(t, "SetProxy", server.SetProxy(ctx(t), inst.ID, switchboard.Proxy{
			Enabled: true, Protocol: "socks5", Host: "p.example", Port: "1080", Username: "u", PasswordSealed: []byte{1, 2, 3},
		}))
		// On PostgreSQL that write comes back as a notification; let it land before the cache is
		// filled, or it could drop the entry in the middle of the staleness check.
		must(t, "AwaitInvalidations", server.AwaitInvalidations(ctx(t)))

		t.Run("instance", func(t *testing.T) {
			hash := switchboard.HashToken(instToken)
			lookupIn := func(s *store.Store) func() (*switchboard.Instance, error) {
				return func() (*switchboard.Instance, error) { return s.InstanceByTokenHash(ctx(t), hash) }
			}
			fromDB, err := server.InstanceByID(ctx(t), inst.ID) // not cached
			must(t, "InstanceByID", err)
			wantSameRows(t, lookupIn(server), fromDB)
			staleThenFresh(t, ttl, func() string { return name(t, lookupIn(server)) },
				func() string { return name(t, lookupIn(expiring)) }, "bot", "renamed",
				func() { exec(t, other, `UPDATE instances SET name = 'renamed' WHERE id = $1`, inst.ID) })
		})
		t.Run("account", func(t *testing.T) {
			hash := switchboard.HashToken(accToken)
			lookupIn := func(s *store.Store) func() (*switchboard.Account, error) {
				return func() (*switchboard.Account, error) { return s.AccountByTokenHash(ctx(t), hash) }
			}
			fromDB, err := server.AccountByID(ctx(t), acc.ID) // not cached
			must(t, "AccountByID", err)
			wantSameRows(t, lookupIn(server), fromDB)
			staleThenFresh(t, ttl, func() string { return name(t, lookupIn(server)) },
				func() string { return name(t, lookupIn(expiring)) }, "acme", "renamed",
				func() { exec(t, other, `UPDATE accounts SET name = 'renamed' WHERE id = $1`, acc.ID) })
		})
	})
}

// wantSameRows checks that the lookup that fills the cache and the one it answers both equal the
// row as read from the database.
func wantSameRows[T any](t *testing.T, lookup func() (*T, error), fromDB *T) {
	t.Helper()
	for _, which := range []string{"first (database)", "second (cache)"} {
		got, err := lookup()
		must(t, which+" lookup", err)
		if !reflect.DeepEqual(got, fromDB) {
			t.Fatalf("%s lookup = %+v, want %+v", which, got, fromDB)
		}
	}
}

// staleThenFresh fills both caches, changes the row behind them, and expects the old value from
// cached (whose entries outlive the test, so that check always runs and cannot be timed out) and
// the new value from expiring within its ttl plus a generous margin. No sleep decides the outcome.
func staleThenFresh(t *testing.T, ttl time.Duration, cached, expiring func() string, old, changed string, change func()) {
	t.Helper()
	for which, read := range map[string]func() string{"cached": cached, "expiring": expiring} {
		if got := read(); got != old {
			t.Fatalf("%s store before the change: %q, want %q", which, got, old)
		}
	}
	change()
	if got := cached(); got != old {
		t.Fatalf("within the TTL the lookup read the database: got %q, want the cached %q", got, old)
	}
	deadline := time.Now().Add(ttl + 10*time.Second)
	for got := expiring(); got != changed; got = expiring() {
		if time.Now().After(deadline) {
			t.Fatalf("after the TTL the lookup still answers %q, want %q", got, changed)
		}
		time.Sleep(ttl / 10)
	}
}

// instanceWrites has one case per method that writes an instances row. Each writes through the
// caching store and checks what the next token lookup returns. TestStoreMethodsClassified makes
// sure every such method has a case here.
var instanceWrites = map[string]struct {
	write func(t *testing.T, s *store.Store, id int64)
	check func(t *testing.T, got *switchboard.Instance, err error)
}{
	"DeleteInstance": {
		write: func(t *testing.T, s *store.Store, id int64) { must(t, "DeleteInstance", s.DeleteInstance(ctx(t), id)) },
		check: func(t *testing.T, _ *switchboard.Instance, err error) {
			wantIs(t, "token of the deleted instance", err, switchboard.ErrNotFound)
		},
	},
	"SetSession": {
		write: func(t *testing.T, s *store.Store, id int64) {
			must(t, "SetSession", s.SetSession(ctx(t), id, "5511999990001.0:1@s.whatsapp.net", true, true))
		},
		check: func(t *testing.T, got *switchboard.Instance, err error) {
			must(t, "lookup", err)
			if got.DeviceJID != "5511999990001.0:1@s.whatsapp.net" || !got.AutoConnect || !got.LoggedOut {
				t.Fatalf("session = %q auto=%v loggedOut=%v, want the new one", got.DeviceJID, got.AutoConnect, got.LoggedOut)
			}
		},
	},
	"SetSessionFenced": {
		write: func(t *testing.T, s *store.Store, id int64) {
			must(t, "SetSessionFenced", s.SetSessionFenced(ctx(t), id, "5511999990001.0:1@s.whatsapp.net", true, true, 1))
		},
		check: func(t *testing.T, got *switchboard.Instance, err error) {
			must(t, "lookup", err)
			if got.DeviceJID != "5511999990001.0:1@s.whatsapp.net" || !got.AutoConnect || !got.LoggedOut {
				t.Fatalf("session = %q auto=%v loggedOut=%v, want the new one", got.DeviceJID, got.AutoConnect, got.LoggedOut)
			}
		},
	},
	"SetSettings": {
		write: func(t *testing.T, s *store.Store, id int64) {
			must(t, "SetSettings", s.SetSettings(ctx(t), id, switchboard.Settings{AutoRejectCalls: true, CallRejectMessage: "busy"}))
		},
		check: func(t *testing.T, got *switchboard.Instance, err error) {
			must(t, "lookup", err)
			if want := (switchboard.Settings{AutoRejectCalls: true, CallRejectMessage: "busy"}); got.Settings != want {
				t.Fatalf("settings = %+v, want %+v", got.Settings, want)
			}
		},
	},
	"RotateInstanceToken": {
		write: func(t *testing.T, s *store.Store, id int64) {
			newHash := switchboard.HashToken(switchboard.NewToken(switchboard.InstanceTokenPrefix))
			must(t, "RotateInstanceToken", s.RotateInstanceToken(ctx(t), id, newHash))
		},
		check: func(t *testing.T, _ *switchboard.Instance, err error) {
			wantIs(t, "the rotated instance's old token", err, switchboard.ErrNotFound)
		},
	},
	"SetProxy": {
		write: func(t *testing.T, s *store.Store, id int64) {
			must(t, "SetProxy", s.SetProxy(ctx(t), id, switchboard.Proxy{
				Enabled: true, Protocol: "http", Host: "proxy.example", Port: "3128", Username: "u", PasswordSealed: []byte("sealed"),
			}))
		},
		check: func(t *testing.T, got *switchboard.Instance, err error) {
			must(t, "lookup", err)
			p := got.Proxy
			if !p.Enabled || p.Protocol != "http" || p.Host != "proxy.example" || p.Port != "3128" || p.Username != "u" ||
				string(p.PasswordSealed) != "sealed" {
				t.Fatalf("proxy = %+v, want the new one", p)
			}
		},
	},
}

// TestInstanceWritesInvalidateTokenCache: after each write method returns, the token lookup of the
// same store shows the write, although the entry would otherwise live for an hour. The row is
// first renamed behind the store's back, which the cache must hide (so the lookup really is
// cached) until the write makes the store read the row again.
func TestInstanceWritesInvalidateTokenCache(t *testing.T) {
	for method, tc := range instanceWrites {
		t.Run(method, func(t *testing.T) {
			storetest.EachDSN(t, func(t *testing.T, dsn string) {
				server := storetest.OpenDSN(t, dsn, store.WithTokenCacheTTL(longTTL))
				other := storetest.OpenDSN(t, dsn)
				acc, _ := newAccount(t, server, "acme", 0)
				inst, token := newInstance(t, server, acc.ID, "bot")
				hash := switchboard.HashToken(token)
				lookup := func() (*switchboard.Instance, error) { return server.InstanceByTokenHash(ctx(t), hash) }

				if got := name(t, lookup); got != "bot" {
					t.Fatalf("name = %q", got)
				}
				exec(t, other, `UPDATE instances SET name = 'renamed' WHERE id = $1`, inst.ID)
				if got := name(t, lookup); got != "bot" {
					t.Fatalf("the lookup is not cached: name = %q right after a change behind the store's back", got)
				}
				tc.write(t, server, inst.ID)
				got, err := lookup()
				tc.check(t, got, err)
				if err == nil && got.Name != "renamed" {
					t.Fatalf("name = %q: the lookup after %s still came from the cache", got.Name, method)
				}
			})
		})
	}
}

// TestNewTokenOfOtherStoreAcceptedAtOnce is `switchboard account create` beside a running
// server: "not found" is never cached, so a token the server has just refused works as soon as
// another store has created it, for accounts and instances alike.
func TestNewTokenOfOtherStoreAcceptedAtOnce(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		server := storetest.OpenDSN(t, dsn, store.WithTokenCacheTTL(longTTL))
		other := storetest.OpenDSN(t, dsn)

		accToken := switchboard.NewToken(switchboard.AccountTokenPrefix)
		accHash := switchboard.HashToken(accToken)
		_, err := server.AccountByTokenHash(ctx(t), accHash)
		wantIs(t, "account token before it exists", err, switchboard.ErrNotFound)
		acc, err := other.CreateAccount(ctx(t), "later", 0, accHash)
		must(t, "CreateAccount in the other store", err)
		got, err := server.AccountByTokenHash(ctx(t), accHash)
		must(t, "account token right after the other store created it", err)
		if got.ID != acc.ID {
			t.Fatalf("account id = %d, want %d", got.ID, acc.ID)
		}

		instToken := switchboard.NewToken(switchboard.InstanceTokenPrefix)
		instHash := switchboard.HashToken(instToken)
		_, err = server.InstanceByTokenHash(ctx(t), instHash)
		wantIs(t, "instance token before it exists", err, switchboard.ErrNotFound)
		inst := &switchboard.Instance{AccountID: acc.ID, Name: "bot", Settings: switchboard.DefaultSettings()}
		must(t, "CreateInstance in the other store", other.CreateInstance(ctx(t), inst, instHash, 0))
		gotInst, err := server.InstanceByTokenHash(ctx(t), instHash)
		must(t, "instance token right after the other store created it", err)
		if gotInst.ID != inst.ID {
			t.Fatalf("instance id = %d, want %d", gotInst.ID, inst.ID)
		}
	})
}

// TestTokenCacheSeesOtherStoreAfterTTL is the documented multi-process lag: an instance deleted by
// another store (another gateway, the CLI) is refused by this one once the TTL has passed.
func TestTokenCacheSeesOtherStoreAfterTTL(t *testing.T) {
	const ttl = 200 * time.Millisecond
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		server := storetest.OpenDSN(t, dsn, store.WithTokenCacheTTL(ttl))
		other := storetest.OpenDSN(t, dsn)
		acc, _ := newAccount(t, server, "acme", 0)
		inst, token := newInstance(t, server, acc.ID, "bot")
		hash := switchboard.HashToken(token)
		_, err := server.InstanceByTokenHash(ctx(t), hash)
		must(t, "InstanceByTokenHash", err)
		must(t, "DeleteInstance in the other store", other.DeleteInstance(ctx(t), inst.ID))
		deadline := time.Now().Add(ttl + 10*time.Second)
		for {
			_, err := server.InstanceByTokenHash(ctx(t), hash)
			if switchboard.IsCode(err, switchboard.CodeNotFound) {
				return
			}
			must(t, "InstanceByTokenHash", err)
			if time.Now().After(deadline) {
				t.Fatalf("the deleted instance's token still works %v after the delete", ttl+10*time.Second)
			}
			time.Sleep(ttl / 10)
		}
	})
}

// TestTokenCacheDisabled: with a TTL of 0 every lookup reads the database.
func TestTokenCacheDisabled(t *testing.T) {
	s := storetest.OpenDSN(t, storetest.SQLiteDSN(t), store.WithTokenCacheTTL(0))
	acc, _ := newAccount(t, s, "acme", 0)
	inst, token := newInstance(t, s, acc.ID, "bot")
	lookup := func() (*switchboard.Instance, error) {
		return s.InstanceByTokenHash(ctx(t), switchboard.HashToken(token))
	}
	name(t, lookup)
	exec(t, s, `UPDATE instances SET name = 'renamed' WHERE id = $1`, inst.ID)
	if got := name(t, lookup); got != "renamed" {
		t.Fatalf("name = %q, want the database's %q", got, "renamed")
	}
}

// TestTokenCacheReturnsCopies: whatever a caller does to the row it got, from the database or
// from the cache, including the bytes of the sealed proxy password, the next caller gets the row
// as stored.
func TestTokenCacheReturnsCopies(t *testing.T) {
	s := storetest.OpenDSN(t, storetest.SQLiteDSN(t), store.WithTokenCacheTTL(longTTL))
	acc, accToken := newAccount(t, s, "acme", 0)
	inst, token := newInstance(t, s, acc.ID, "bot")
	must(t, "SetProxy", s.SetProxy(ctx(t), inst.ID, switchboard.Proxy{Enabled: true, PasswordSealed: []byte{1, 2, 3}}))
	hash := switchboard.HashToken(token)
	want, err := s.InstanceByID(ctx(t), inst.ID)
	must(t, "InstanceByID", err)
	for _, which := range []string{"filled from the database", "served from the cache"} {
		got, err := s.InstanceByTokenHash(ctx(t), hash)
		must(t, "InstanceByTokenHash", err)
		got.Name = "scribbled"
		got.Settings.CallRejectMessage = "scribbled"
		got.Proxy.PasswordSealed[0] = 99
		again, err := s.InstanceByTokenHash(ctx(t), hash)
		must(t, "InstanceByTokenHash", err)
		if !reflect.DeepEqual(again, want) || !bytes.Equal(again.Proxy.PasswordSealed, []byte{1, 2, 3}) {
			t.Fatalf("after changing the row %s, the next lookup = %+v, want %+v", which, again, want)
		}
	}
	for range 2 {
		got, err := s.AccountByTokenHash(ctx(t), switchboard.HashToken(accToken))
		must(t, "AccountByTokenHash", err)
		if got.Name != "acme" {
			t.Fatalf("account name = %q, want acme", got.Name)
		}
		got.Name = "scribbled"
	}
}

// TestTokenCacheNotStaleAfterConcurrentWrites races lookups against writes of the same row: once
// the writes have returned, the lookup shows the last one. A lookup that read the old row before a
// write and cached it after the write's invalidation would serve it for the whole hour.
func TestTokenCacheNotStaleAfterConcurrentWrites(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		s := storetest.OpenDSN(t, dsn, store.WithTokenCacheTTL(longTTL))
		acc, _ := newAccount(t, s, "acme", 0)
		inst, token := newInstance(t, s, acc.ID, "bot")
		hash := switchboard.HashToken(token)
		for round := range 5 {
			var wg sync.WaitGroup
			stop := make(chan struct{})
			for range 4 {
				wg.Go(func() {
					for {
						select {
						case <-stop:
							return
						default:
						}
						if _, err := s.InstanceByTokenHash(ctx(t), hash); err != nil {
							t.Errorf("InstanceByTokenHash: %v", err)
							return
						}
					}
				})
			}
			last := ""
			for i := range 20 {
				last = fmt.Sprintf("round %d write %d", round, i)
				must(t, "SetSettings", s.SetSettings(ctx(t), inst.ID, switchboard.Settings{CallRejectMessage: last}))
			}
			close(stop)
			wg.Wait()
			got, err := s.InstanceByTokenHash(ctx(t), hash)
			must(t, "InstanceByTokenHash", err)
			if got.Settings.CallRejectMessage != last {
				t.Fatalf("after the writes the lookup shows %q, want %q", got.Settings.CallRejectMessage, last)
			}
		}
	})
}

// name returns the Name of the row lookup finds.
func name[T switchboard.Instance | switchboard.Account](t *testing.T, lookup func() (*T, error)) string {
	t.Helper()
	row, err := lookup()
	must(t, "lookup", err)
	switch r := any(row).(type) {
	case *switchboard.Instance:
		return r.Name
	case *switchboard.Account:
		return r.Name
	}
	panic("unreachable")
}

// exec changes rows behind the caching store's back. On PostgreSQL the notification triggers are
// disabled for that one transaction (ALTER TABLE is transactional there), or the change would be
// reported to every store like any other write (tokencache_notify.go).
func exec(t *testing.T, s *store.Store, query string, args ...any) {
	t.Helper()
	if s.Dialect() != store.DialectPostgres {
		_, err := s.DB().ExecContext(ctx(t), query, args...)
		must(t, query, err)
		return
	}
	tx, err := s.DB().BeginTx(ctx(t), nil)
	must(t, "begin", err)
	defer func() { _ = tx.Rollback() }()
	for _, stmt := range []string{
		`ALTER TABLE accounts DISABLE TRIGGER accounts_token_cache_notify`,
		`ALTER TABLE instances DISABLE TRIGGER instances_token_cache_notify`,
	} {
		_, err := tx.ExecContext(ctx(t), stmt)
		must(t, stmt, err)
	}
	_, err = tx.ExecContext(ctx(t), query, args...)
	must(t, query, err)
	for _, stmt := range []string{
		`ALTER TABLE accounts ENABLE TRIGGER accounts_token_cache_notify`,
		`ALTER TABLE instances ENABLE TRIGGER instances_token_cache_notify`,
	} {
		_, err := tx.ExecContext(ctx(t), stmt)
		must(t, stmt, err)
	}
	must(t, "commit", tx.Commit())
}
