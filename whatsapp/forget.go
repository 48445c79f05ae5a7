package whatsapp

import (
	"context"
	"fmt"

	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"
)

// ForgetDevices deletes the whatsmeow devices (identity, Signal sessions, keys) of deviceJIDs
// from container, so that no process can reconnect them: the operator's `account delete --force`,
// which runs without a connection to WhatsApp. WhatsApp is not told, so the phone lists the
// companion until it is removed there or WhatsApp drops it. Empty and unknown JIDs are skipped;
// it returns how many devices it deleted.
func ForgetDevices(ctx context.Context, container *sqlstore.Container, deviceJIDs []string) (int, error) {
	deleted := 0
	for _, raw := range deviceJIDs {
		if raw == "" {
			continue
		}
		jid, err := types.ParseJID(raw)
		if err != nil {
			return deleted, fmt.Errorf("whatsapp: device %q: %w", raw, err)
		}
		dev, err := container.GetDevice(ctx, jid)
		if err != nil {
			return deleted, fmt.Errorf("whatsapp: read device: %w", err)
		}
		if dev == nil {
			continue
		}
		if err := container.DeleteDevice(ctx, dev); err != nil {
			return deleted, fmt.Errorf("whatsapp: delete device: %w", err)
		}
		deleted++
	}
	return deleted, nil
}
