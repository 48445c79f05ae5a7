package whatsapp

import (
	"context"
	"sort"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard"
)

// The address book is whatsmeow's contact store: names from the phone's app state (contact
// actions) and push names seen on messages. Reading it sends nothing to WhatsApp.

func (c *messageClient) Contacts(ctx context.Context) ([]switchboard.AddressBookEntry, error) {
	all, err := c.cli.Store.Contacts.GetAllContacts(ctx)
	if err != nil {
		return nil, translate(err)
	}
	out := make([]switchboard.AddressBookEntry, 0, len(all))
	for jid, info := range all {
		if jid.Server != types.DefaultUserServer {
			continue // LID twins of the same people are reported as their lid
		}
		out = append(out, c.addressBookEntry(ctx, jid, info))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].JID.User < out[j].JID.User })
	return out, nil
}

func (c *messageClient) Contact(ctx context.Context, user switchboard.JID) (switchboard.AddressBookEntry, error) {
	jid := toWAJID(user).ToNonAD()
	info, err := c.cli.Store.Contacts.GetContact(ctx, jid)
	if err != nil {
		return switchboard.AddressBookEntry{}, translate(err)
	}
	return c.addressBookEntry(ctx, jid, info), nil
}

func (c *messageClient) addressBookEntry(ctx context.Context, jid types.JID, info types.ContactInfo) switchboard.AddressBookEntry {
	e := switchboard.AddressBookEntry{JID: toDomainJID(jid), Found: info.Found, FirstName: info.FirstName,
		FullName: info.FullName, PushName: info.PushName, BusinessName: info.BusinessName}
	if lid, err := c.cli.Store.LIDs.GetLIDForPN(ctx, jid); err == nil && !lid.IsEmpty() {
		e.LID = toDomainJID(lid)
	}
	return e
}
