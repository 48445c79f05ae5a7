package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

func TestInstanceLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acc, _ := newAccount(t, s, "acme", 0)
		token := switchboard.NewToken(switchboard.InstanceTokenPrefix)
		inst := &switchboard.Instance{
			AccountID:   acc.ID,
			Name:        "sales",
			DeviceJID:   "5511999990001:7@s.whatsapp.net",
			AutoConnect: true,
			Settings:    switchboard.Settings{AutoRejectCalls: true, CallRejectMessage: "busy ✓", IgnoreStatus: true},
			Proxy: switchboard.Proxy{Enabled: true, Protocol: "socks5", Host: "10.0.0.1", Port: "1080",
				Username: "u", PasswordSealed: []byte{1, 0, 255, 7}},
		}
		must(t, "CreateInstance", s.CreateInstance(ctx(t), inst, switchboard.HashToken(token), 0))
		if inst.ID == 0 || inst.CreatedAt.IsZero() {
			t.Fatalf("CreateInstance did not fill ID and CreatedAt: %+v", inst)
		}

		for name, get := range map[string]func() (*switchboard.Instance, error){
			"ByTokenHash": func() (*switchboard.Instance, error) {
				return s.InstanceByTokenHash(ctx(t), switchboard.HashToken(token))
			},
			"ByName": func() (*switchboard.Instance, error) { return s.InstanceByName(ctx(t), acc.ID, "sales") },
			"ByID":   func() (*switchboard.Instance, error) { return s.InstanceByID(ctx(t), inst.ID) },
		} {
			got, err := get()
			must(t, name, err)
			if !reflect.DeepEqual(got, inst) {
				t.Fatalf("Instance%s =\n%+v\nwant\n%+v", name, got, inst)
			}
		}

		// Updates, each read back.
		must(t, "SetSession", s.SetSession(ctx(t), inst.ID, "", false, true))
		settings := switchboard.Settings{KeepOnlineStatus: true, AutoReadMessages: true}
		must(t, "SetSettings", s.SetSettings(ctx(t), inst.ID, settings))
		proxy := switchboard.Proxy{Enabled: true, Protocol: "http", Host: "proxy", Port: "8080"}
		must(t, "SetProxy", s.SetProxy(ctx(t), inst.ID, proxy))
		got, err := s.InstanceByID(ctx(t), inst.ID)
		must(t, "InstanceByID", err)
		if got.DeviceJID != "" || got.AutoConnect || !got.LoggedOut {
			t.Fatalf("after SetSession: %+v", got)
		}
		if got.Settings != settings {
			t.Fatalf("Settings = %+v, want %+v", got.Settings, settings)
		}
		if !reflect.DeepEqual(got.Proxy, proxy) {
			t.Fatalf("Proxy = %+v, want %+v (nil password stays nil)", got.Proxy, proxy)
		}
		must(t, "SetProxy off", s.SetProxy(ctx(t), inst.ID, switchboard.Proxy{}))
		got, err = s.InstanceByID(ctx(t), inst.ID)
		must(t, "InstanceByID", err)
		if !reflect.DeepEqual(got.Proxy, switchboard.Proxy{}) {
			t.Fatalf("Proxy after reset = %+v", got.Proxy)
		}

		// Not found, for every method that takes an id.
		const missing = int64(1) << 40
		wantIs(t, "SetSession", s.SetSession(ctx(t), missing, "", false, false), switchboard.ErrNotFound)
		wantIs(t, "SetSettings", s.SetSettings(ctx(t), missing, settings), switchboard.ErrNotFound)
		wantIs(t, "SetProxy", s.SetProxy(ctx(t), missing, proxy), switchboard.ErrNotFound)
		_, err = s.InstanceByID(ctx(t), missing)
		wantIs(t, "InstanceByID", err, switchboard.ErrNotFound)
		_, err = s.InstanceByName(ctx(t), acc.ID, "nobody")
		wantIs(t, "InstanceByName", err, switchboard.ErrNotFound)
		_, err = s.InstanceByTokenHash(ctx(t), switchboard.HashToken("sbi_nobody"))
		wantIs(t, "InstanceByTokenHash", err, switchboard.ErrNotFound)

		must(t, "DeleteInstance", s.DeleteInstance(ctx(t), inst.ID))
		wantIs(t, "DeleteInstance again", s.DeleteInstance(ctx(t), inst.ID), switchboard.ErrNotFound)
		_, err = s.InstanceByTokenHash(ctx(t), switchboard.HashToken(token))
		wantIs(t, "deleted instance by token", err, switchboard.ErrNotFound)

		// A deleted instance's id is never handed out again.
		again, _ := newInstance(t, s, acc.ID, "sales")
		if again.ID <= inst.ID {
			t.Fatalf("new instance got id %d, not above deleted %d", again.ID, inst.ID)
		}
	})
}

func TestInstanceScopingAndLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		a, _ := newAccount(t, s, "a", 0)
		b, _ := newAccount(t, s, "b", 0)
		a1, _ := newInstance(t, s, a.ID, "one")
		a2, _ := newInstance(t, s, a.ID, "two")
		b1, _ := newInstance(t, s, b.ID, "one") // same name, other account: allowed

		_, err := s.InstanceByName(ctx(t), b.ID, "two")
		wantIs(t, "another account's instance", err, switchboard.ErrNotFound)
		got, err := s.InstanceByName(ctx(t), b.ID, "one")
		must(t, "InstanceByName", err)
		if got.ID != b1.ID {
			t.Fatalf("InstanceByName(b, one) = %d, want %d", got.ID, b1.ID)
		}

		list, err := s.ListInstances(ctx(t), a.ID)
		must(t, "ListInstances", err)
		if ids := instanceIDs(list); !reflect.DeepEqual(ids, []int64{a1.ID, a2.ID}) {
			t.Fatalf("ListInstances(a) = %v", ids)
		}
		none, _ := newAccount(t, s, "none", 0)
		list, err = s.ListInstances(ctx(t), none.ID)
		must(t, "ListInstances(empty)", err)
		if len(list) != 0 {
			t.Fatalf("empty account lists %d instances", len(list))
		}

		auto, err := s.AutoConnectInstances(ctx(t))
		must(t, "AutoConnectInstances", err)
		if len(auto) != 0 {
			t.Fatalf("AutoConnectInstances before any connect = %v", instanceIDs(auto))
		}
		must(t, "SetSession b1", s.SetSession(ctx(t), b1.ID, "1:2@s.whatsapp.net", true, false))
		must(t, "SetSession a2", s.SetSession(ctx(t), a2.ID, "3:4@s.whatsapp.net", true, false))
		must(t, "SetSession a1", s.SetSession(ctx(t), a1.ID, "", false, true))
		auto, err = s.AutoConnectInstances(ctx(t))
		must(t, "AutoConnectInstances", err)
		if ids := instanceIDs(auto); !reflect.DeepEqual(ids, []int64{a2.ID, b1.ID}) {
			t.Fatalf("AutoConnectInstances = %v, want [%d %d] across accounts", ids, a2.ID, b1.ID)
		}
	})
}

func TestCreateInstanceConflicts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acc, accToken := newAccount(t, s, "acme", 0)
		other, _ := newAccount(t, s, "other", 0)
		first, token := newInstance(t, s, acc.ID, "sales")

		create := func(accountID int64, name, tok string, max int) error {
			inst := &switchboard.Instance{AccountID: accountID, Name: name}
			err := s.CreateInstance(ctx(t), inst, switchboard.HashToken(tok), max)
			if err != nil && inst.ID != 0 {
				t.Fatalf("failed CreateInstance filled ID %d", inst.ID)
			}
			return err
		}
		fresh := func() string { return switchboard.NewToken(switchboard.InstanceTokenPrefix) }

		wantIs(t, "duplicate name", create(acc.ID, "sales", fresh(), 0), switchboard.ErrDuplicateName)
		wantIs(t, "duplicate token, same account", create(acc.ID, "x", token, 0), switchboard.ErrDuplicateTok)
		wantIs(t, "duplicate token, other account", create(other.ID, "x", token, 0), switchboard.ErrDuplicateTok)
		wantIs(t, "account's own token", create(acc.ID, "y", accToken, 0), switchboard.ErrDuplicateTok)
		wantIs(t, "unknown account", create(1<<40, "z", fresh(), 0), switchboard.ErrNotFound)
		// Name is checked before quota, as RyzeAPI reports it.
		wantIs(t, "duplicate name at quota", create(acc.ID, "sales", fresh(), 1), switchboard.ErrDuplicateName)
		wantIs(t, "quota", create(acc.ID, "second", fresh(), 1), switchboard.ErrQuotaExceeded)
		must(t, "below quota", create(acc.ID, "second", fresh(), 2))
		wantIs(t, "quota 2", create(acc.ID, "third", fresh(), 2), switchboard.ErrQuotaExceeded)
		must(t, "unlimited", create(acc.ID, "third", fresh(), 0))

		// The failures wrote nothing.
		list, err := s.ListInstances(ctx(t), acc.ID)
		must(t, "ListInstances", err)
		if len(list) != 3 || list[0].ID != first.ID {
			t.Fatalf("after conflicts account has %v", instanceIDs(list))
		}
		list, err = s.ListInstances(ctx(t), other.ID)
		must(t, "ListInstances(other)", err)
		if len(list) != 0 {
			t.Fatalf("other account got %v", instanceIDs(list))
		}
	})
}

// TestQuotaUnderConcurrency races many creates into one account: exactly the quota succeeds, the
// rest see ErrQuotaExceeded, and nothing else fails (no SQLITE_BUSY, no deadlock).
func TestQuotaUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		const quota, attempts = 5, 24
		acc, _ := newAccount(t, s, "acme", quota)
		var wg sync.WaitGroup
		errs := make([]error, attempts)
		start := make(chan struct{})
		for i := range attempts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				inst := &switchboard.Instance{AccountID: acc.ID, Name: fmt.Sprintf("i%02d", i)}
				errs[i] = s.CreateInstance(ctx(t), inst, switchboard.HashToken(switchboard.NewToken("sbi_")), quota)
			}()
		}
		close(start)
		wg.Wait()
		created := 0
		for i, err := range errs {
			switch {
			case err == nil:
				created++
			case errors.Is(err, switchboard.ErrQuotaExceeded):
			default:
				t.Errorf("attempt %d: unexpected error %v", i, err)
			}
		}
		list, err := s.ListInstances(ctx(t), acc.ID)
		must(t, "ListInstances", err)
		if created != quota || len(list) != quota {
			t.Fatalf("%d creates succeeded and %d instances exist, want %d", created, len(list), quota)
		}
	})
}

// TestDuplicateNameUnderConcurrency races creates of one name: one wins, the rest get
// ErrDuplicateName (from the check or from the unique index), never a raw constraint error.
func TestDuplicateNameUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acc, _ := newAccount(t, s, "acme", 0)
		const attempts = 12
		var wg sync.WaitGroup
		errs := make([]error, attempts)
		for i := range attempts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				inst := &switchboard.Instance{AccountID: acc.ID, Name: "same"}
				errs[i] = s.CreateInstance(ctx(t), inst, switchboard.HashToken(switchboard.NewToken("sbi_")), 0)
			}()
		}
		wg.Wait()
		wins := 0
		for i, err := range errs {
			if err == nil {
				wins++
			} else if !errors.Is(err, switchboard.ErrDuplicateName) {
				t.Errorf("attempt %d: %v", i, err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d creates of one name succeeded", wins)
		}
	})
}

func TestCascadeDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acc, _ := newAccount(t, s, "acme", 0)
		keep, _ := newAccount(t, s, "keep", 0)
		inst, _ := newInstance(t, s, acc.ID, "sales")
		kept, _ := newInstance(t, s, keep.ID, "sales")
		job := &switchboard.Job{InstanceID: inst.ID, Kind: "link", Total: 3}
		must(t, "CreateJob", s.CreateJob(ctx(t), job))
		keptJob := &switchboard.Job{InstanceID: kept.ID, Kind: "link"}
		must(t, "CreateJob kept", s.CreateJob(ctx(t), keptJob))
		_, _, err := s.BeginIdempotent(ctx(t), switchboard.IdempotencyRecord{AccountID: acc.ID, Key: "k", Route: "r", RequestHash: "h"})
		must(t, "BeginIdempotent", err)

		// Deleting an instance takes its jobs.
		must(t, "DeleteInstance", s.DeleteInstance(ctx(t), inst.ID))
		_, err = s.JobByID(ctx(t), inst.ID, job.ID)
		wantIs(t, "job of deleted instance", err, switchboard.ErrNotFound)

		// Deleting an account (no API yet; the CLI will) takes its instances, their jobs and its
		// idempotency records, and nothing of another account.
		inst2, _ := newInstance(t, s, acc.ID, "support")
		job2 := &switchboard.Job{InstanceID: inst2.ID, Kind: "unlink"}
		must(t, "CreateJob 2", s.CreateJob(ctx(t), job2))
		_, err = s.DB().ExecContext(ctx(t), `DELETE FROM accounts WHERE id = $1`, acc.ID)
		must(t, "delete account", err)
		_, err = s.InstanceByID(ctx(t), inst2.ID)
		wantIs(t, "instance of deleted account", err, switchboard.ErrNotFound)
		_, err = s.JobByID(ctx(t), inst2.ID, job2.ID)
		wantIs(t, "job of deleted account", err, switchboard.ErrNotFound)
		var n int
		must(t, "count keys", s.DB().QueryRowContext(ctx(t), `SELECT COUNT(*) FROM idempotency_keys`).Scan(&n))
		if n != 0 {
			t.Fatalf("%d idempotency records survived their account", n)
		}
		_, err = s.InstanceByID(ctx(t), kept.ID)
		must(t, "other account's instance", err)
		_, err = s.JobByID(ctx(t), kept.ID, keptJob.ID)
		must(t, "other account's job", err)
	})
}

// TestSettingsDefaultsForMissingFields reads a row whose JSON predates a setting: the missing one
// takes its documented default (history sync off), not the zero value.
func TestSettingsDefaultsForMissingFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acc, _ := newAccount(t, s, "acme", 0)
		inst, _ := newInstance(t, s, acc.ID, "old")
		_, err := s.DB().ExecContext(ctx(t), `UPDATE instances SET settings = $1 WHERE id = $2`, `{"autoRejectCalls":true}`, inst.ID)
		must(t, "write old settings", err)
		got, err := s.InstanceByID(ctx(t), inst.ID)
		must(t, "InstanceByID", err)
		want := switchboard.DefaultSettings()
		want.AutoRejectCalls = true
		if got.Settings != want {
			t.Fatalf("Settings = %+v, want %+v", got.Settings, want)
		}
	})
}

func TestProxyPasswordBytesRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acc, _ := newAccount(t, s, "acme", 0)
		inst, _ := newInstance(t, s, acc.ID, "p")
		sealer, err := store.NewSealer(bytes.Repeat([]byte{7}, 32))
		must(t, "NewSealer", err)
		sealed, err := sealer.Seal([]byte("hunter2"), inst.ID)
		must(t, "Seal", err)
		must(t, "SetProxy", s.SetProxy(ctx(t), inst.ID, switchboard.Proxy{Enabled: true, PasswordSealed: sealed}))
		got, err := s.InstanceByID(ctx(t), inst.ID)
		must(t, "InstanceByID", err)
		plain, err := sealer.Open(got.Proxy.PasswordSealed, got.ID)
		must(t, "Open", err)
		if string(plain) != "hunter2" {
			t.Fatalf("password = %q", plain)
		}

		// Someone with write access to the database copies the sealed value into another row:
		// it does not open there.
		other, _ := newInstance(t, s, acc.ID, "q")
		must(t, "SetProxy", s.SetProxy(ctx(t), other.ID, switchboard.Proxy{Enabled: true, PasswordSealed: got.Proxy.PasswordSealed}))
		moved, err := s.InstanceByID(ctx(t), other.ID)
		must(t, "InstanceByID", err)
		if plain, err := sealer.Open(moved.Proxy.PasswordSealed, moved.ID); err == nil {
			t.Fatalf("a password moved to another instance's row opened: %q", plain)
		}
	})
}

func instanceIDs(list []*switchboard.Instance) []int64 {
	ids := []int64{}
	for _, inst := range list {
		ids = append(ids, inst.ID)
	}
	return ids
}
