package store_test

import (
	"testing"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestDeleteAccountRevokesTokens: deleting an account removes its instances with it, and its
// token and theirs stop working at once even though both were cached; ListAccounts counts
// instances per account.
func TestDeleteAccountRevokesTokens(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		s := storetest.OpenDSN(t, dsn, store.WithTokenCacheTTL(longTTL))
		acc, accToken := newAccount(t, s, "doomed", 0)
		inst, instToken := newInstance(t, s, acc.ID, "bot")
		keep, _ := newAccount(t, s, "kept", 0)
		_, err := s.AccountByTokenHash(ctx(t), switchboard.HashToken(accToken))
		must(t, "cache the account", err)
		_, err = s.InstanceByTokenHash(ctx(t), switchboard.HashToken(instToken))
		must(t, "cache the instance", err)

		all, err := s.ListAccounts(ctx(t))
		must(t, "ListAccounts", err)
		if len(all) != 2 || all[0].Name != "doomed" || all[0].Instances != 1 || all[1].Name != "kept" || all[1].Instances != 0 {
			t.Fatalf("ListAccounts = %+v", all)
		}

		must(t, "DeleteAccount", s.DeleteAccount(ctx(t), acc.ID))
		_, err = s.AccountByTokenHash(ctx(t), switchboard.HashToken(accToken))
		wantIs(t, "account token after delete", err, switchboard.ErrNotFound)
		_, err = s.InstanceByTokenHash(ctx(t), switchboard.HashToken(instToken))
		wantIs(t, "instance token after delete", err, switchboard.ErrNotFound)
		_, err = s.InstanceByID(ctx(t), inst.ID)
		wantIs(t, "instance row after delete", err, switchboard.ErrNotFound)
		wantIs(t, "deleting again", s.DeleteAccount(ctx(t), acc.ID), switchboard.ErrNotFound)
		if _, err := s.AccountByID(ctx(t), keep.ID); err != nil {
			t.Fatalf("the other account: %v", err)
		}
	})
}

// TestMigrationsReport: every migration of the build is listed as applied, and a second Open
// applies none.
func TestMigrationsReport(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		s := storetest.OpenDSN(t, dsn)
		first, err := s.Migrations(ctx(t))
		must(t, "Migrations", err)
		if len(first) == 0 {
			t.Fatal("no migrations listed")
		}
		for i, m := range first {
			if m.Version != i+1 || m.AppliedAt.IsZero() || m.Name == "" || !m.Now {
				t.Fatalf("migration %d: %+v", i, m)
			}
		}
		again, err := storetest.OpenDSN(t, dsn).Migrations(ctx(t))
		must(t, "Migrations after reopening", err)
		for _, m := range again {
			if m.Now {
				t.Fatalf("reopening applied %s again", m.Name)
			}
		}
	})
}
