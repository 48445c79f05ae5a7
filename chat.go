package switchboard

import (
	"context"
	"time"
)

// ChatPresence is the indicator a chat shows while the instance "types".
type ChatPresence string

const (
	PresenceTyping    ChatPresence = "typing"
	PresenceRecording ChatPresence = "recording"
	PresencePaused    ChatPresence = "paused"
)

// ChatClient is one connected instance's chat settings. Archive, pin, mute and read state are
// the account's app state: written once, they show on the phone and every linked device.
type ChatClient interface {
	SetArchived(ctx context.Context, chat JID, archived bool) error
	SetPinned(ctx context.Context, chat JID, pinned bool) error
	// SetMuted mutes for d (0: until unmuted) or unmutes.
	SetMuted(ctx context.Context, chat JID, muted bool, d time.Duration) error
	MarkChatRead(ctx context.Context, chat JID, read bool) error
	// SetBlocked blocks or unblocks a user and returns the blocklist's size afterwards.
	SetBlocked(ctx context.Context, user JID, blocked bool) (int, error)
	SetChatPresence(ctx context.Context, chat JID, state ChatPresence) error
	MessageActions
	LabelClient
	AddressBook
}

// MessageKey names one message of a chat for the app-state actions on messages: its author
// (zero for the instance's own) and whether the instance sent it.
type MessageKey struct {
	Chat, Sender JID
	ID           string
	FromMe       bool
}

// MessageActions are the per-account actions on messages and whole chats; like the chat
// settings they are app state, so they show on the phone and every linked device.
type MessageActions interface {
	// DeleteForMe removes a message from this account's devices only; sent is its timestamp.
	DeleteForMe(ctx context.Context, m MessageKey, sent time.Time) error
	// SetStarred stars (favorites) or unstars a message.
	SetStarred(ctx context.Context, m MessageKey, starred bool) error
	// DeleteChat removes a chat and its messages from this account's devices; a group is not left.
	DeleteChat(ctx context.Context, chat JID, deleteMedia bool) error
}

// AddressBookEntry is one contact as the account's address book has it: the names the phone
// saved and the ones WhatsApp users gave themselves.
type AddressBookEntry struct {
	JID          JID
	LID          JID // zero when unknown
	Found        bool
	FirstName    string
	FullName     string
	PushName     string
	BusinessName string
}

// AddressBook reads the account's contacts as synced from its phone; no WhatsApp traffic.
type AddressBook interface {
	Contacts(ctx context.Context) ([]AddressBookEntry, error)
	// Contact is one entry; Found false when the book does not have it.
	Contact(ctx context.Context, user JID) (AddressBookEntry, error)
}
