package store_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestModeIsRecordedAndEnforced: a database takes the mode of its first start; a start in the
// other mode is refused (both directions) with a message naming the override, the refusal
// changes nothing, and the override records the new mode.
func TestModeIsRecordedAndEnforced(t *testing.T) {
	for _, first := range []string{store.ModeLive, store.ModeSandbox} {
		other := store.ModeSandbox
		if first == store.ModeSandbox {
			other = store.ModeLive
		}
		t.Run(first+" then "+other, func(t *testing.T) {
			storetest.EachDSN(t, func(t *testing.T, dsn string) {
				s := storetest.OpenDSN(t, dsn)
				prev, err := s.CheckMode(ctx(t), first, false)
				must(t, "first start", err)
				if prev != "" {
					t.Fatalf("first start found mode %q, want none", prev)
				}
				if prev, err = s.CheckMode(ctx(t), first, false); err != nil || prev != first {
					t.Fatalf("same mode again: %q, %v", prev, err)
				}
				_, err = s.CheckMode(ctx(t), other, false)
				if !errors.Is(err, store.ErrModeMismatch) {
					t.Fatalf("start in %s mode on a %s database: %v, want ErrModeMismatch", other, first, err)
				}
				for _, want := range []string{"recorded in " + first + " mode", "--allow-mode-change", store.AllowModeChangeEnv} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("refusal %q does not say %q", err, want)
					}
				}
				// The refusal left the record alone, also for a fresh process on the same database.
				again := storetest.OpenDSN(t, dsn)
				if _, err := again.CheckMode(ctx(t), other, false); !errors.Is(err, store.ErrModeMismatch) {
					t.Fatalf("second refused start: %v", err)
				}
				if prev, err = again.CheckMode(ctx(t), other, true); err != nil || prev != first {
					t.Fatalf("override: previous %q, %v; want %q", prev, err, first)
				}
				if _, err := again.CheckMode(ctx(t), other, false); err != nil {
					t.Fatalf("after the override the database is in %s mode: %v", other, err)
				}
				if _, err := again.CheckMode(ctx(t), first, false); !errors.Is(err, store.ErrModeMismatch) {
					t.Fatalf("after the override a %s start must be refused: %v", first, err)
				}
			})
		})
	}
}

// TestModeOfADatabaseFromBeforeModes: a database that never recorded a mode is judged by its
// paired instances: with none it takes any mode; with one and no simulator tables it is live,
// so a sandbox start is refused (the finding: --sandbox on production logged every device out).
func TestModeOfADatabaseFromBeforeModes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acc, _ := newAccount(t, s, "acme", 0)
		inst, _ := newInstance(t, s, acc.ID, "sales")
		must(t, "SetSession", s.SetSession(ctx(t), inst.ID, "5511999990001:3@s.whatsapp.net", true, false))
		if _, err := s.CheckMode(ctx(t), store.ModeSandbox, false); !errors.Is(err, store.ErrModeMismatch) ||
			!strings.Contains(err.Error(), "live WhatsApp sessions") {
			t.Fatalf("sandbox start on an unrecorded database with a paired instance: %v", err)
		}
		if prev, err := s.CheckMode(ctx(t), store.ModeLive, false); err != nil || prev != store.ModeLive {
			t.Fatalf("live start: %q, %v", prev, err)
		}
	})
}
