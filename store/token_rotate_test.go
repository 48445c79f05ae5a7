package store_test

import (
	"testing"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestRotateAccountToken: the old account token is refused by the same store at once although its
// cache entry would live for an hour, the new one works, and an unknown name is ErrNotFound.
func TestRotateAccountToken(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		s := storetest.OpenDSN(t, dsn, store.WithTokenCacheTTL(longTTL))
		acc, oldToken := newAccount(t, s, "acme", 3)
		oldHash := switchboard.HashToken(oldToken)
		_, err := s.AccountByTokenHash(ctx(t), oldHash)
		must(t, "lookup before rotating", err)

		newHash := switchboard.HashToken(switchboard.NewToken(switchboard.AccountTokenPrefix))
		rotated, err := s.RotateAccountToken(ctx(t), "acme", newHash)
		must(t, "RotateAccountToken", err)
		if rotated.ID != acc.ID || rotated.Name != "acme" || rotated.MaxInstances != 3 {
			t.Fatalf("rotated = %+v, want the account %+v", rotated, acc)
		}
		_, err = s.AccountByTokenHash(ctx(t), oldHash)
		wantIs(t, "old token after rotating", err, switchboard.ErrNotFound)
		got, err := s.AccountByTokenHash(ctx(t), newHash)
		must(t, "new token", err)
		if got.ID != acc.ID {
			t.Fatalf("new token names account %d, want %d", got.ID, acc.ID)
		}

		_, err = s.RotateAccountToken(ctx(t), "nobody", switchboard.HashToken(switchboard.NewToken(switchboard.AccountTokenPrefix)))
		wantIs(t, "unknown account", err, switchboard.ErrNotFound)
		_, instToken := newInstance(t, s, acc.ID, "bot")
		_, err = s.RotateAccountToken(ctx(t), "acme", switchboard.HashToken(instToken))
		wantIs(t, "an instance's token as the account's", err, switchboard.ErrDuplicateTok)
	})
}

// TestRotateInstanceTokenRefusesTakenHashes: a rotation never makes one hash name two principals.
func TestRotateInstanceTokenRefusesTakenHashes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acc, accToken := newAccount(t, s, "acme", 0)
		inst, _ := newInstance(t, s, acc.ID, "bot")
		_, otherToken := newInstance(t, s, acc.ID, "other")
		wantIs(t, "the account's token", s.RotateInstanceToken(ctx(t), inst.ID, switchboard.HashToken(accToken)), switchboard.ErrDuplicateTok)
		wantIs(t, "another instance's token", s.RotateInstanceToken(ctx(t), inst.ID, switchboard.HashToken(otherToken)), switchboard.ErrDuplicateTok)
		wantIs(t, "unknown instance", s.RotateInstanceToken(ctx(t), inst.ID+100, switchboard.HashToken(switchboard.NewToken("x"))), switchboard.ErrNotFound)
	})
}

// TestAccountNamesAreUnique: a second account of the same name is refused with its own sentinel,
// and nothing is inserted.
func TestAccountNamesAreUnique(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		newAccount(t, s, "acme", 0)
		_, err := s.CreateAccount(ctx(t), "acme", 0, switchboard.HashToken(switchboard.NewToken(switchboard.AccountTokenPrefix)))
		wantIs(t, "duplicate name", err, switchboard.ErrDuplicateAccountName)
		var n int
		must(t, "count", s.DB().QueryRowContext(ctx(t), `SELECT COUNT(*) FROM accounts`).Scan(&n))
		if n != 1 {
			t.Fatalf("%d accounts after the refused duplicate, want 1", n)
		}
		newAccount(t, s, "Acme", 0) // names are compared exactly
	})
}
