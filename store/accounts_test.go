package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

func TestAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		before := time.Now().Add(-time.Second)
		acc, token := newAccount(t, s, "acme", 3)
		if acc.ID == 0 || acc.Name != "acme" || acc.MaxInstances != 3 {
			t.Fatalf("created account = %+v", acc)
		}
		if acc.CreatedAt.Before(before) || acc.CreatedAt.After(time.Now().Add(time.Second)) {
			t.Fatalf("CreatedAt = %v, want about now", acc.CreatedAt)
		}

		got, err := s.AccountByTokenHash(ctx(t), switchboard.HashToken(token))
		must(t, "AccountByTokenHash", err)
		if *got != *acc {
			t.Fatalf("AccountByTokenHash = %+v, want %+v", got, acc)
		}
		byID, err := s.AccountByID(ctx(t), acc.ID)
		must(t, "AccountByID", err)
		if *byID != *acc {
			t.Fatalf("AccountByID = %+v, want %+v", byID, acc)
		}

		other, _ := newAccount(t, s, "other", 0)
		if other.ID == acc.ID {
			t.Fatal("two accounts share an id")
		}

		_, err = s.AccountByTokenHash(ctx(t), switchboard.HashToken("sba_unknown"))
		wantIs(t, "unknown token", err, switchboard.ErrNotFound)
		_, err = s.AccountByID(ctx(t), 1<<40)
		wantIs(t, "unknown id", err, switchboard.ErrNotFound)

		_, err = s.CreateAccount(ctx(t), "copy", 0, switchboard.HashToken(token))
		wantIs(t, "duplicate token hash", err, switchboard.ErrDuplicateTok)

		inst, instToken := newInstance(t, s, acc.ID, "bot")
		_, err = s.CreateAccount(ctx(t), "steal", 0, switchboard.HashToken(instToken))
		wantIs(t, "account token equal to instance "+inst.Name+"'s", err, switchboard.ErrDuplicateTok)

		_, err = s.CreateAccount(ctx(t), "neg", -1, switchboard.HashToken(switchboard.NewToken("sba_")))
		if !switchboard.IsCode(err, switchboard.CodeInvalid) {
			t.Fatalf("negative quota: got %v, want CodeInvalid", err)
		}
	})
}

// TestTokenHashRequired checks that a plaintext token is refused before it can be stored, and that
// the error does not echo it.
func TestTokenHashRequired(t *testing.T) {
	s := storetest.Open(t)
	token := switchboard.NewToken(switchboard.AccountTokenPrefix)
	for i, bad := range []string{token, "", strings.ToUpper(switchboard.HashToken(token)), switchboard.HashToken(token)[:63] + "g"} {
		_, err := s.CreateAccount(ctx(t), "x", 0, bad)
		if err == nil {
			t.Fatalf("CreateAccount accepted token hash %q", bad)
		}
		if bad != "" && strings.Contains(err.Error(), bad) {
			t.Fatalf("error echoes the rejected value: %v", err)
		}
		acc, _ := newAccount(t, s, fmt.Sprintf("owner-%d", i), 0)
		err = s.CreateInstance(ctx(t), &switchboard.Instance{AccountID: acc.ID, Name: "i"}, bad, 0)
		if err == nil {
			t.Fatalf("CreateInstance accepted token hash %q", bad)
		}
	}
}
