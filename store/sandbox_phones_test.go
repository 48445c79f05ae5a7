package store_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestSandboxPhoneOwnership: the first claim wins for good, later and concurrent claims return
// that owner, and a phone paired with an instance before owners were recorded belongs to that
// instance's account, also once the instance is logged out.
func TestSandboxPhoneOwnership(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		alice, _ := newAccount(t, s, "alice", 0)
		bob, _ := newAccount(t, s, "bob", 0)
		if _, found, err := s.SandboxPhoneOwner(ctx(t), "5511900000001"); err != nil || found {
			t.Fatalf("unclaimed phone: found %v, %v", found, err)
		}
		if owner, err := s.ClaimSandboxPhone(ctx(t), "5511900000001", alice.ID); err != nil || owner != alice.ID {
			t.Fatalf("first claim: %d, %v", owner, err)
		}
		if owner, err := s.ClaimSandboxPhone(ctx(t), "5511900000001", bob.ID); err != nil || owner != alice.ID {
			t.Fatalf("second claim: owner %d, %v; want alice", owner, err)
		}

		var wg sync.WaitGroup
		owners := make([]int64, 8)
		for i := range owners {
			wg.Add(1)
			go func() {
				defer wg.Done()
				claimant := alice.ID
				if i%2 == 1 {
					claimant = bob.ID
				}
				owner, err := s.ClaimSandboxPhone(ctx(t), "5511900000002", claimant)
				if err != nil {
					t.Error(err)
				}
				owners[i] = owner
			}()
		}
		wg.Wait()
		for _, o := range owners {
			if o != owners[0] {
				t.Fatalf("concurrent claims disagree on the owner: %v", owners)
			}
		}

		inst, _ := newInstance(t, s, bob.ID, "legacy")
		must(t, "SetSession", s.SetSession(ctx(t), inst.ID, "5511900000003:4@s.whatsapp.net", true, false))
		if owner, found, err := s.SandboxPhoneOwner(ctx(t), "5511900000003"); err != nil || !found || owner != bob.ID {
			t.Fatalf("paired phone: owner %d found %v, %v; want bob", owner, found, err)
		}
		if owner, err := s.ClaimSandboxPhone(ctx(t), "5511900000003", alice.ID); err != nil || owner != bob.ID {
			t.Fatalf("claim of bob's paired phone: owner %d, %v", owner, err)
		}
		must(t, "SetSession", s.SetSession(ctx(t), inst.ID, "", false, true))
		if owner, found, err := s.SandboxPhoneOwner(ctx(t), "5511900000003"); err != nil || !found || owner != bob.ID {
			t.Fatalf("after logout: owner %d found %v, %v; want bob still", owner, found, err)
		}
		phones, err := s.SandboxPhones(ctx(t), bob.ID)
		must(t, "SandboxPhones", err)
		if !slices.Contains(phones, "5511900000003") || slices.Contains(phones, "5511900000001") {
			t.Fatalf("bob's phones: %v", phones)
		}
	})
}
