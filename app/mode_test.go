package app

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
)

// TestStartRefusesTheOtherMode replays the finding (`serve --sandbox` on a production database
// logged out every real device) at the level of the whole program: a database first started live
// refuses a sandbox start before the simulator exists, and the other way round; the documented
// override switches it. The sandbox starts bring their own root key so that this test leaves
// whatsmeow's process-wide trust root alone (TestOnlySandboxTrustsTheSimulator relies on it).
func TestStartRefusesTheOtherMode(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		live := Config{DSN: dsn}
		sandbox := Config{DSN: dsn, Sandbox: true, SandboxRoot: wasim.NewRootKey()}
		start := func(cfg Config) error {
			a, err := New(ctx, cfg)
			if err == nil {
				a.Close()
			}
			return err
		}
		if err := start(live); err != nil {
			t.Fatalf("first, live start: %v", err)
		}
		err := start(sandbox)
		if !errors.Is(err, store.ErrModeMismatch) || !strings.Contains(err.Error(), "--allow-mode-change") {
			t.Fatalf("sandbox start on a live database: %v", err)
		}
		sandbox.AllowModeChange = true
		if err := start(sandbox); err != nil {
			t.Fatalf("sandbox start with the override: %v", err)
		}
		if err := start(live); !errors.Is(err, store.ErrModeMismatch) {
			t.Fatalf("live start on what is now a sandbox database: %v", err)
		}
		sandbox.AllowModeChange = false
		if err := start(sandbox); err != nil {
			t.Fatalf("sandbox start on a sandbox database: %v", err)
		}
	})
}
