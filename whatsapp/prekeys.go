package whatsapp

import (
	"context"

	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/util/keys"
)

// At its first login a device generates its prekeys (812 of them) and whatsmeow's sqlstore writes
// each with its own autocommitted INSERT: 812 fsyncs under SQLite's synchronous=FULL, one writer
// at a time, so pairings started together queue behind each other for seconds. Running the
// generation inside one transaction keeps FULL's durability (the commit is one fsync) and lets
// pairings proceed in parallel. whatsmeow's dbutil runs every query of a store inside the
// transaction its context carries, and the device's event buffer opens such a transaction
// (DoDecryptionTxn), so wrapping the device's PreKeys is enough; whatsmeow's code is unchanged.

// txnPreKeys runs prekey generation of one device in one database transaction.
type txnPreKeys struct {
	store.PreKeyStore
	txn store.EventBuffer
}

// GetOrGenPreKeys generates the missing prekeys in one transaction.
func (p txnPreKeys) GetOrGenPreKeys(ctx context.Context, count uint32) (out []*keys.PreKey, err error) {
	err = p.txn.DoDecryptionTxn(ctx, func(ctx context.Context) error {
		out, err = p.PreKeyStore.GetOrGenPreKeys(ctx, count)
		return err
	})
	return out, err
}

// GenOnePreKey also runs in a transaction, although it writes one row: both generators take the
// store's prekey lock, and with SQLite's _txlock=immediate a transaction takes the database's
// write lock at BEGIN. Taking them in the same order on both paths (write lock, then prekey
// lock) is what keeps them from waiting on each other until the busy timeout.
func (p txnPreKeys) GenOnePreKey(ctx context.Context) (out *keys.PreKey, err error) {
	err = p.txn.DoDecryptionTxn(ctx, func(ctx context.Context) error {
		out, err = p.PreKeyStore.GenOnePreKey(ctx)
		return err
	})
	return out, err
}

// batchPreKeys makes dev generate its prekeys in transactions. It is a no-op for a device whose
// stores are not set yet (a new device gets them when pairing saves it, see preKeyContainer) or
// are already wrapped.
func batchPreKeys(dev *store.Device) {
	if dev == nil || dev.PreKeys == nil || dev.EventBuffer == nil {
		return
	}
	if _, done := dev.PreKeys.(txnPreKeys); done {
		return
	}
	dev.PreKeys = txnPreKeys{PreKeyStore: dev.PreKeys, txn: dev.EventBuffer}
}

// preKeyContainer is the device container of our clients: whatsmeow saves a newly paired device
// through it, which is when sqlstore gives the device its stores, before the first login
// generates the prekeys.
type preKeyContainer struct {
	store.DeviceContainer
}

// PutDevice saves dev, then wraps its prekey store.
func (c preKeyContainer) PutDevice(ctx context.Context, dev *store.Device) error {
	err := c.DeviceContainer.PutDevice(ctx, dev)
	batchPreKeys(dev)
	return err
}

// withTxnPreKeys prepares dev (new or loaded from the store) for a client.
func withTxnPreKeys(dev *store.Device) *store.Device {
	if dev == nil {
		return nil
	}
	if _, done := dev.Container.(preKeyContainer); !done && dev.Container != nil {
		dev.Container = preKeyContainer{DeviceContainer: dev.Container}
	}
	batchPreKeys(dev)
	return dev
}
