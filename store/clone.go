package store

import (
	"bytes"

	"github.com/switchboard/switchboard"
)

// cloneInstance and cloneAccount are the deep copies the token cache hands out and keeps, so a
// caller that changes its row (or the bytes of its sealed proxy password) changes nobody else's.
// TestCloneCoversEveryReference fails when a field that shares memory (slice, map, pointer) is
// added to either type, as a reminder to copy it here.

func cloneInstance(inst *switchboard.Instance) *switchboard.Instance {
	c := *inst
	c.Proxy.PasswordSealed = bytes.Clone(inst.Proxy.PasswordSealed) // nil stays nil
	return &c
}

func cloneAccount(acc *switchboard.Account) *switchboard.Account {
	c := *acc
	return &c
}

func instanceID(inst *switchboard.Instance) int64 { return inst.ID }

func accountID(acc *switchboard.Account) int64 { return acc.ID }
