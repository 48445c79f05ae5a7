package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
)

// ctx bounds each test's database calls so a lock bug fails the test instead of hanging CI.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

// newAccount creates an account with a fresh token and returns it with the token.
func newAccount(t testing.TB, s *store.Store, name string, maxInstances int) (*switchboard.Account, string) {
	t.Helper()
	token := switchboard.NewToken(switchboard.AccountTokenPrefix)
	acc, err := s.CreateAccount(ctx(t), name, maxInstances, switchboard.HashToken(token))
	if err != nil {
		t.Fatalf("CreateAccount(%q): %v", name, err)
	}
	return acc, token
}

// newInstance creates an instance with default settings and a fresh token.
func newInstance(t testing.TB, s *store.Store, accountID int64, name string) (*switchboard.Instance, string) {
	t.Helper()
	token := switchboard.NewToken(switchboard.InstanceTokenPrefix)
	inst := &switchboard.Instance{AccountID: accountID, Name: name, Settings: switchboard.DefaultSettings()}
	if err := s.CreateInstance(ctx(t), inst, switchboard.HashToken(token), 0); err != nil {
		t.Fatalf("CreateInstance(%q): %v", name, err)
	}
	return inst, token
}

// wantIs fails unless err matches target by errors.Is (the sentinel pointer, not just its code).
func wantIs(t testing.TB, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

func must(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
