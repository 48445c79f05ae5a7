package whatsapp

import (
	"context"
	"time"

	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/switchboard/switchboard"
)

// The chat settings below are app-state patches; whatsmeow encrypts them with the account's
// app-state key (shared by the phone after linking), and WhatsApp syncs them to every device.

func (c *messageClient) SetArchived(ctx context.Context, chat switchboard.JID, archived bool) error {
	return c.sendAppState(ctx, appstate.BuildArchive(toWAJID(chat), archived, time.Time{}, nil))
}

func (c *messageClient) SetPinned(ctx context.Context, chat switchboard.JID, pinned bool) error {
	return c.sendAppState(ctx, appstate.BuildPin(toWAJID(chat), pinned))
}

// SetMuted mutes for d, or until unmuted when d is 0 (whatsmeow then writes WhatsApp's "always").
func (c *messageClient) SetMuted(ctx context.Context, chat switchboard.JID, muted bool, d time.Duration) error {
	return c.sendAppState(ctx, appstate.BuildMute(toWAJID(chat), muted, d))
}

func (c *messageClient) MarkChatRead(ctx context.Context, chat switchboard.JID, read bool) error {
	return c.sendAppState(ctx, appstate.BuildMarkChatAsRead(toWAJID(chat), read, time.Time{}, nil))
}

// appStateKeyWait bounds how long a chat setting waits for the phone's app-state key: the phone
// shares it right after linking, so only the first moments of a session lack it.
const appStateKeyWait = 15 * time.Second

func (c *messageClient) sendAppState(ctx context.Context, patch appstate.PatchInfo) error {
	if err := c.waitAppStateKey(ctx); err != nil {
		return err
	}
	done, err := c.appState.Wait(ctx)
	if err != nil {
		return translate(err)
	}
	defer done()
	if err := c.cli.SendAppState(ctx, patch); err != nil {
		return translate(err)
	}
	return nil
}

// waitAppStateKey waits until the phone's app-state key share has arrived; without it
// whatsmeow cannot encrypt a patch (it cannot create keys itself).
func (c *messageClient) waitAppStateKey(ctx context.Context) error {
	deadline := time.Now().Add(appStateKeyWait)
	for {
		id, err := c.cli.Store.AppStateKeys.GetLatestAppStateSyncKeyID(ctx)
		if err == nil && id != nil {
			return nil
		}
		if time.Now().After(deadline) {
			return switchboard.Errorf(switchboard.CodeUnavailable, "The phone has not shared its chat settings key yet; try again in a moment")
		}
		t := time.NewTimer(100 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return translate(ctx.Err())
		case <-t.C:
		}
	}
}

func (c *messageClient) SetBlocked(ctx context.Context, user switchboard.JID, blocked bool) (int, error) {
	action := events.BlocklistChangeActionUnblock
	if blocked {
		action = events.BlocklistChangeActionBlock
	}
	list, err := c.cli.UpdateBlocklist(ctx, toWAJID(user), action)
	if err != nil {
		return 0, translate(err)
	}
	return len(list.JIDs), nil
}

func (c *messageClient) SetChatPresence(ctx context.Context, chat switchboard.JID, state switchboard.ChatPresence) error {
	presence, media := types.ChatPresenceComposing, types.ChatPresenceMediaText
	switch state {
	case switchboard.PresenceRecording:
		media = types.ChatPresenceMediaAudio
	case switchboard.PresencePaused:
		presence = types.ChatPresencePaused
	}
	if err := c.cli.SendChatPresence(ctx, toWAJID(chat), presence, media); err != nil {
		return translate(err)
	}
	return nil
}
