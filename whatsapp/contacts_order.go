package whatsapp

import (
	"context"
	"sync"

	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
)

// whatsmeow's sqlstore (pinned version) caches each contact behind a pointer. GetContact takes
// the pointer under the cache's lock but copies the struct after releasing it, while
// PutContactName, PutPushName and PutBusinessName update that same struct in place under the
// lock. So reading one contact from the API while the phone's app-state sync saves its name (or
// a message brings a push name) is a data race; CI's race detector caught it in
// e2e TestContactsFromThePhonesAddressBook. Each live device's contact store is wrapped so that
// our own lock orders those reads against the in-place writes. The other methods are left as
// they are: GetAllContacts copies fresh rows under sqlstore's lock, and PutAllContactNames and
// PutManyRedactedPhones replace or drop cache entries rather than write into them.

// orderedContacts is a device's contact store with GetContact ordered against in-place writes.
type orderedContacts struct {
	store.ContactStore
	mu *sync.RWMutex
}

// withOrderedContacts wraps dev's contact store once. A device's stores are set by sqlstore when
// it is loaded or first saved (pairing), so this is called at both (withLiveContainer and
// liveDeviceContainer.PutDevice); before then it is a no-op.
func withOrderedContacts(dev *store.Device) {
	if dev == nil || dev.Contacts == nil {
		return
	}
	if _, done := dev.Contacts.(orderedContacts); done {
		return
	}
	dev.Contacts = orderedContacts{ContactStore: dev.Contacts, mu: new(sync.RWMutex)}
}

func (c orderedContacts) GetContact(ctx context.Context, user types.JID) (types.ContactInfo, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.ContactStore.GetContact(ctx, user)
}

func (c orderedContacts) PutContactName(ctx context.Context, user types.JID, fullName, firstName string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ContactStore.PutContactName(ctx, user, fullName, firstName)
}

func (c orderedContacts) PutPushName(ctx context.Context, user types.JID, pushName string) (bool, string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ContactStore.PutPushName(ctx, user, pushName)
}

func (c orderedContacts) PutBusinessName(ctx context.Context, user types.JID, businessName string) (bool, string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ContactStore.PutBusinessName(ctx, user, businessName)
}
