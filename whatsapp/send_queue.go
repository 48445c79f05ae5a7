package whatsapp

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard"
)

// maxSendAttempts bounds the tries of one message id: the first, one after a reconnect or an
// error 463, and one more for a second transient failure.
const maxSendAttempts = 3

// reconnectWait is how long a send waits for a dropped connection to come back before failing.
const reconnectWait = 30 * time.Second

// Send sends m under id through the instance's send queue (switchboard.MessageClient).
func (c *messageClient) Send(ctx context.Context, id string, m switchboard.OutgoingMessage) (*switchboard.SentMessage, error) {
	b, err := c.build(ctx, m)
	if err != nil {
		return nil, err
	}
	recording := m.Type == switchboard.MessageAudio && m.Media != nil && m.Media.PTT
	b.source = m.Source
	return c.sendQueued(ctx, m.Chat, id, b, m.Typing, recording)
}

// sendQueued waits for the instance's turn (one send at a time, arrival order, so FIFO per
// chat, spaced by the send interval), shows the typing indicator if asked, then sends. The id
// was fixed by the caller, so every attempt below is the same WhatsApp message: the recipient's
// devices and WhatsApp's servers drop a repeat of an id they already have.
func (c *messageClient) sendQueued(ctx context.Context, chat switchboard.JID, id string, b built, typing time.Duration, recording bool) (*switchboard.SentMessage, error) {
	done, err := c.queue.Wait(ctx)
	if err != nil {
		return nil, switchboard.Wrap(switchboard.CodeTimeout, "The message waited too long in the instance's send queue", err)
	}
	defer done()
	// What is written from here to done (whatsmeow's ratcheted sessions, the outgoing event)
	// holds up the instance's next message, so the store lets it go first. The outgoing event
	// stays in the turn: written after it, it would wait for the writers the turn lets pass, and
	// the next send's sessions behind it (measured slower), and events could leave the send order.
	ctx = switchboard.WithUrgentWrites(ctx)
	to := toWAJID(chat)
	if typing > 0 {
		if err := c.showTyping(ctx, to, typing, recording); err != nil {
			return nil, switchboard.Wrap(switchboard.CodeTimeout, "The request ended while typing", err)
		}
	}
	resp, err := c.sendWithRetry(ctx, to, id, b)
	if err != nil {
		return nil, err
	}
	if c.sent != nil {
		c.sent(ctx, to, b.msg, resp, b.source)
	}
	sender := resp.Sender
	if sender.IsEmpty() {
		sender = c.own
	}
	return &switchboard.SentMessage{
		ID: resp.ID, Chat: chat, Sender: toDomainJID(sender.ToNonAD()), Timestamp: resp.Timestamp,
		Media: b.media, PollSecret: b.pollSecret,
	}, nil
}

func (c *messageClient) sendWithRetry(ctx context.Context, to types.JID, id string, b built) (whatsmeow.SendResponse, error) {
	subscribed := false
	var lastErr error
	for attempt := 0; attempt < maxSendAttempts; attempt++ {
		resp, err := c.cli.SendMessage(ctx, to, b.msg, whatsmeow.SendRequestExtra{ID: id})
		if err == nil {
			return resp, nil
		}
		lastErr = err
		switch {
		case ctx.Err() != nil:
			return resp, translate(err)
		case errors.Is(err, whatsmeow.ErrNotConnected), errors.Is(err, whatsmeow.ErrNotLoggedIn), isDisconnected(err):
			if !c.waitConnected(ctx) {
				return resp, translate(err)
			}
		case isServerError(err, 463) && !subscribed:
			// WhatsApp answers 463 to a first message to a contact whose privacy token it
			// wants; subscribing to the contact's presence makes it issue one.
			subscribed = true
			if serr := c.cli.SubscribePresence(ctx, to); serr != nil {
				c.log.Debug("subscribing to presence after error 463", "err", serr)
			}
		default:
			return resp, translateSend(err)
		}
		c.log.Info("retrying a send with the same message id", "id", id, "attempt", attempt+2, "err", err)
	}
	return whatsmeow.SendResponse{}, translateSend(lastErr)
}

// waitConnected waits for whatsmeow's automatic reconnect, at most reconnectWait or until ctx.
// A client the session dropped (its instance released to another node, say) never reconnects:
// the send fails at once rather than after reconnectWait.
func (c *messageClient) waitConnected(ctx context.Context) bool {
	deadline := time.Now().Add(reconnectWait)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	for time.Now().Before(deadline) {
		if c.retired != nil && c.retired() {
			return false
		}
		if c.cli.IsConnected() && c.cli.IsLoggedIn() {
			return true
		}
		t := time.NewTimer(100 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
	}
	return false
}

// showTyping shows "typing…" (or "recording audio…") for d, then clears it. A failure to show
// the indicator is not a reason to drop the message.
func (c *messageClient) showTyping(ctx context.Context, to types.JID, d time.Duration, recording bool) error {
	media := types.ChatPresenceMediaText
	if recording {
		media = types.ChatPresenceMediaAudio
	}
	if err := c.cli.SendChatPresence(ctx, to, types.ChatPresenceComposing, media); err != nil {
		c.log.Debug("typing indicator", "err", err)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
	}
	if err := c.cli.SendChatPresence(ctx, to, types.ChatPresencePaused, media); err != nil {
		c.log.Debug("typing indicator", "err", err)
	}
	return nil
}

func isServerError(err error, code int) bool {
	return errors.Is(err, whatsmeow.ErrServerReturnedError) && strings.HasSuffix(err.Error(), " "+strconv.Itoa(code))
}

// translateSend names the send failures WhatsApp answers with a code.
func translateSend(err error) error {
	switch {
	case isServerError(err, 463):
		return switchboard.Wrap(switchboard.CodeForbidden, "WhatsApp refused the message to this contact (error 463)", err)
	case isServerError(err, 479), isServerError(err, 421):
		return switchboard.Wrap(switchboard.CodeForbidden, "WhatsApp refused the message", err)
	}
	return translate(err)
}
