package whatsapp

import (
	"context"
	"sync"

	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/keys"
)

// At its first login a device generates its prekeys (812 of them) and whatsmeow's sqlstore writes
// each with its own autocommitted INSERT: 812 fsyncs under SQLite's synchronous=FULL, one writer
// at a time, so pairings started together queue behind each other for seconds. The gateway
// replaces that one method of the device's prekey store with Options.GeneratePreKeys, which makes
// the keys first and then writes them in one statement: one fsync, FULL's durability kept, and
// no database lock held while the CPU makes the keys. (Running whatsmeow's own generation inside
// a transaction also made one fsync, but held SQLite's single write lock through the 812 key
// generations and, on a loaded machine, starved the other writers past their busy timeout.)
// Everything else, reads, uploads, removals, stays whatsmeow's.

// PreKeyGenerator returns up to count prekeys of device not yet uploaded, generating and storing
// the missing ones, as whatsmeow's PreKeyStore.GetOrGenPreKeys does
// (store.(*Store).GenerateWhatsmeowPreKeys).
type PreKeyGenerator func(ctx context.Context, device string, count uint32) ([]*keys.PreKey, error)

// batchedPreKeys is a device's prekey store with GetOrGenPreKeys replaced.
type batchedPreKeys struct {
	store.PreKeyStore
	device string
	gen    PreKeyGenerator
	// mu takes the place of sqlstore's own prekey lock, which GetOrGenPreKeys no longer passes
	// through: both generators read the last key id before they write the next ones.
	mu *sync.Mutex
}

// GetOrGenPreKeys generates the missing prekeys and writes them in one statement.
func (p batchedPreKeys) GetOrGenPreKeys(ctx context.Context, count uint32) ([]*keys.PreKey, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.gen(ctx, p.device, count)
}

// GenOnePreKey is whatsmeow's (one row, one write), serialised with GetOrGenPreKeys.
func (p batchedPreKeys) GenOnePreKey(ctx context.Context) (*keys.PreKey, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.PreKeyStore.GenOnePreKey(ctx)
}

// batchPreKeys gives dev the batched generator. It is a no-op for a device whose stores are not
// set yet (a new device gets them when pairing saves it, see preKeyContainer) or are already
// wrapped.
func batchPreKeys(dev *store.Device, gen PreKeyGenerator) {
	if dev == nil || dev.PreKeys == nil || dev.ID == nil {
		return
	}
	if _, done := dev.PreKeys.(batchedPreKeys); done {
		return
	}
	dev.PreKeys = batchedPreKeys{PreKeyStore: dev.PreKeys, device: deviceKey(*dev.ID), gen: gen, mu: new(sync.Mutex)}
}

// deviceKey is the device's key in whatsmeow's tables (sqlstore's SQLStore.JID).
func deviceKey(jid types.JID) string { return jid.String() }

// preKeyContainer is the device container of our clients: whatsmeow saves a newly paired device
// through it, which is when sqlstore gives the device its stores, before the first login
// generates the prekeys.
type preKeyContainer struct {
	store.DeviceContainer
	gen PreKeyGenerator
}

// PutDevice saves dev, then wraps its prekey store.
func (c preKeyContainer) PutDevice(ctx context.Context, dev *store.Device) error {
	err := c.DeviceContainer.PutDevice(ctx, dev)
	batchPreKeys(dev, c.gen)
	return err
}

// WithBatchedPreKeys prepares dev (new or loaded from the store) for a client: its prekeys will be
// made by gen. The manager does it for every client when Options.GeneratePreKeys is set; the
// benchmark's bare clients use it so that their setup is not the 812-fsync pairing either.
func WithBatchedPreKeys(dev *store.Device, gen PreKeyGenerator) *store.Device {
	if dev == nil || gen == nil {
		return dev
	}
	if _, done := dev.Container.(preKeyContainer); !done && dev.Container != nil {
		dev.Container = preKeyContainer{DeviceContainer: dev.Container, gen: gen}
	}
	batchPreKeys(dev, gen)
	return dev
}
