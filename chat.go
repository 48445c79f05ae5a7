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
}
