package app

import (
	"context"

	"github.com/switchboard/switchboard/store"
)

// checkMode refuses to start a database in the other mode than the one it was recorded in: a
// sandbox start would log out every real device of a live database (the simulator answers their
// sessions 401 and whatsmeow deletes them), and a live start would throw away sandbox sessions.
func (a *App) checkMode(ctx context.Context, cfg Config) error {
	mode := store.ModeLive
	if cfg.Sandbox || cfg.SandboxURL != "" {
		mode = store.ModeSandbox
	}
	previous, err := a.store.CheckMode(ctx, mode, cfg.AllowModeChange)
	if err != nil {
		return err
	}
	if previous != "" && previous != mode {
		a.log.Warn("database switched mode on request (--allow-mode-change)", "from", previous, "to", mode)
	}
	return nil
}
