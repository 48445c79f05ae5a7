package whatsapp

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.mau.fi/whatsmeow/store"
)

// Why the gateway never lets whatsmeow's Device.Delete clear a live device:
//
// whatsmeow (pinned version) runs part of its message handling in goroutines it does not track:
// the receipt of every peer message (`go SendProtocolMessageReceipt`, message.go) reads
// Device.ID; the app-state key share (`go handleAppStateSyncKeyShare`) fetches every collection
// through Device's stores and saves the push name with Device.Save; a message's push name is
// stored in `go updatePushName`. Logout ends with Device.Delete, which writes Device.ID, LID,
// Deleted and every store field without a lock. A logout while one of those goroutines runs
// (a phone sends its key share, push name and history sync right after linking, so a logout
// soon after pairing always hits it) is a data race, whatever the timing.
//
// whatsmeow deletes the device itself too, from its own event loop: when the phone removes the
// companion (stream error 401) or a login is refused as logged out; right after linking that
// races the same goroutines (seen: the app-state key share's fetch against Device.Delete in
// handleStreamError).
//
// Device.Delete changes nothing in memory when the container's DeleteDevice fails. So a live
// device's container deletes the device's rows and then reports errDeletedKeptInMemory, on
// every delete, ours or whatsmeow's: the rows are gone (the other tables cascade with
// whatsmeow_device), the struct the goroutines read is never written, a late store write fails
// on the foreign key, and a late Save is refused here instead of bringing the row back.
// whatsmeow only logs a failed delete and goes on (it still dispatches LoggedOut), and the
// gateway never reuses a deleted device's struct: a new pairing starts from a new Device.

// errDeletedKeptInMemory is what a live device's DeleteDevice reports after it deleted the
// rows: it keeps whatsmeow from clearing the device in memory. Callers treat it as success.
var errDeletedKeptInMemory = errors.New("whatsapp: device deleted from the store, kept in memory")

// liveDeviceContainer is the container of every device the gateway hands to a whatsmeow client.
type liveDeviceContainer struct {
	store.DeviceContainer

	// mu orders saves against the delete: a save that started before the delete finishes
	// before the rows go (and is deleted with them); one after it is refused.
	mu      sync.RWMutex
	deleted bool
}

// withLiveContainer gives dev a liveDeviceContainer, before any client uses it.
func withLiveContainer(dev *store.Device) *store.Device {
	if dev == nil || dev.Container == nil {
		return dev
	}
	if _, done := dev.Container.(*liveDeviceContainer); !done {
		dev.Container = &liveDeviceContainer{DeviceContainer: dev.Container}
	}
	withOrderedContacts(dev) // see contacts_order.go
	return dev
}

// PutDevice saves dev unless its rows were deleted by an unlink.
func (c *liveDeviceContainer) PutDevice(ctx context.Context, dev *store.Device) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.deleted {
		return store.ErrDeviceDeleted
	}
	err := c.DeviceContainer.PutDevice(ctx, dev)
	// sqlstore's first save of a new device (pairing) points dev.Container at itself
	// (initializeDevice); point it back here, in the same call, before anything else reads it.
	if dev.Container != store.DeviceContainer(c) {
		dev.Container = c
	}
	// The same first save gives dev its stores; its contact store is wrapped before use too.
	withOrderedContacts(dev)
	return err
}

// DeleteDevice deletes dev's rows, then answers errDeletedKeptInMemory so that Device.Delete
// leaves the struct alone.
func (c *liveDeviceContainer) DeleteDevice(ctx context.Context, dev *store.Device) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.deleteRetryingDeadlocks(ctx, dev); err != nil {
		return err
	}
	c.deleted = true
	return errDeletedKeptInMemory
}

// deleteRetryingDeadlocks deletes dev's rows, again when PostgreSQL chose the delete as a
// deadlock's victim. The delete cascades through every whatsmeow table while the device's own
// goroutines may still be writing to them (right after linking, the phone's app-state key share
// and history sync are being stored), so a deadlock is an ordinary outcome of a logout soon after
// pairing; the other transaction has gone through by the time the error returns, and the retry
// then finds the rows free. Any other error, or a context that ended, is returned at once.
func (c *liveDeviceContainer) deleteRetryingDeadlocks(ctx context.Context, dev *store.Device) error {
	const attempts = 5
	var err error
	for i := range attempts {
		if err = c.DeviceContainer.DeleteDevice(ctx, dev); err == nil || !isDeadlock(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(i+1) * 20 * time.Millisecond):
		}
	}
	return err
}

// isDeadlock reports whether err is PostgreSQL's "deadlock detected" (SQLSTATE 40P01). The pgx
// error is matched by its SQLState method so that this package need not import the driver.
func isDeadlock(err error) bool {
	var coded interface{ SQLState() string }
	return errors.As(err, &coded) && coded.SQLState() == "40P01"
}

// deviceGone reports whether the live device's rows have been deleted.
func deviceGone(dev *store.Device) bool {
	if dev == nil {
		return false
	}
	c, ok := dev.Container.(*liveDeviceContainer)
	if !ok {
		return dev.Deleted
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.deleted
}
