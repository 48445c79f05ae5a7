package app

import (
	"context"
	"fmt"

	"github.com/switchboard/switchboard/store"
)

// sealer returns what seals proxy passwords: the operator's key (SWITCHBOARD_SECRET_KEY), or, in
// sandbox mode without one, the sandbox's own key, generated at first start and kept in its
// database, so the README's proxy example works in the sandbox as it is. Outside the sandbox
// without a key it returns nil, and requests carrying a proxy password are refused with a
// message naming SWITCHBOARD_SECRET_KEY. The sandbox key never serves a real deployment: a key
// stored next to the data it protects only keeps passwords out of column dumps and logs.
func (a *App) sealer(ctx context.Context, cfg Config) (*store.Sealer, error) {
	if cfg.Sealer != nil || (!cfg.Sandbox && cfg.SandboxURL == "") {
		return cfg.Sealer, nil
	}
	key, err := a.store.SandboxSealingKey(ctx)
	if err != nil {
		return nil, err
	}
	sealer, err := store.NewSealer(key)
	if err != nil {
		return nil, fmt.Errorf("sandbox sealing key: %w", err)
	}
	a.log.Info("sandbox: proxy passwords are sealed with a key kept in the sandbox database; set " +
		store.SecretKeyEnv + " for real deployments")
	return sealer, nil
}
