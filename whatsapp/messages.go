package whatsapp

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard/switchboard"
)

// messageClient is switchboard.MessageClient on one logged-in whatsmeow client.
type messageClient struct {
	cli        *whatsmeow.Client
	own        types.JID
	log        *slog.Logger
	queue      *switchboard.Pacer // the instance's send queue (send_queue.go)
	recipients *recipientCache
	sent       sentReporter // stores the outgoing message.exchange event; nil without events
	// retired reports that cli is no longer the session's client (released to another node,
	// stopped, replaced): nothing will reconnect it, so a send must not wait for that.
	retired func() bool
	// appState is the session's app-state lock (session.appState).
	appState *switchboard.Pacer
}

var _ switchboard.MessageClient = (*messageClient)(nil)

// Messages returns the instance's message client (switchboard.Sessions).
func (m *Manager) Messages(inst *switchboard.Instance) (switchboard.MessageClient, error) {
	s := m.lookup(inst.ID)
	if s == nil {
		return nil, switchboard.Errorf(switchboard.CodeNotConnected, msgNotConnected)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.connectedLocked() || s.device.IsEmpty() {
		return nil, switchboard.Errorf(switchboard.CodeNotConnected, msgNotConnected)
	}
	return &messageClient{
		cli: s.cli, own: s.device.ToNonAD(), log: s.log,
		queue: m.sendQueues.For(inst.ID), recipients: m.recipientsFor(inst.ID),
		sent:     m.sentReporterFor(s, s.cli, s.device.ToNonAD()),
		retired:  s.retired(s.cli),
		appState: s.appState,
	}, nil
}

func (m *Manager) recipientsFor(id int64) *recipientCache {
	m.recipientMu.Lock()
	defer m.recipientMu.Unlock()
	c := m.recipientCaches[id]
	if c == nil {
		c = &recipientCache{}
		m.recipientCaches[id] = c
	}
	return c
}

func (c *messageClient) OwnJID() switchboard.JID { return toDomainJID(c.own) }

func (c *messageClient) NewMessageID() string { return c.cli.GenerateMessageID() }

// Edit replaces the text of one of the instance's messages (WhatsApp allows it for 15 minutes).
func (c *messageClient) Edit(ctx context.Context, chat switchboard.JID, id, text string) (*switchboard.SentMessage, error) {
	msg := c.cli.BuildEdit(toWAJID(chat), id, &waE2E.Message{Conversation: proto.String(text)})
	return c.sendQueued(ctx, chat, c.NewMessageID(), built{msg: msg}, 0, false)
}

// Revoke deletes a message for everyone. sender is zero for the instance's own messages; an
// admin deleting someone else's message in a group names its author.
func (c *messageClient) Revoke(ctx context.Context, chat, sender switchboard.JID, id string) (*switchboard.SentMessage, error) {
	from := types.EmptyJID
	if !sender.IsZero() && sender.ToNonAD() != toDomainJID(c.own) {
		from = toWAJID(sender)
	}
	msg := c.cli.BuildRevoke(toWAJID(chat), from, id)
	return c.sendQueued(ctx, chat, c.NewMessageID(), built{msg: msg}, 0, false)
}

// MarkRead sends a read receipt. In a DM sender is the chat; in a group it is the author.
func (c *messageClient) MarkRead(ctx context.Context, chat, sender switchboard.JID, ids []string) error {
	s := toWAJID(sender)
	if !chat.IsGroup() {
		s = types.EmptyJID
	}
	if err := c.cli.MarkRead(ctx, ids, time.Now(), toWAJID(chat), s); err != nil {
		return translate(err)
	}
	return nil
}

// Download fetches an attachment and checks its hashes (whatsmeow verifies the encrypted and
// the plain SHA-256 and the MAC).
func (c *messageClient) Download(ctx context.Context, ref *switchboard.MediaRef) ([]byte, error) {
	kind, ok := mediaKinds[ref.Type]
	if !ok || ref.DirectPath == "" {
		return nil, switchboard.Errorf(switchboard.CodeNotFound, "The message has no downloadable media")
	}
	data, err := c.cli.DownloadMediaWithPath(ctx, ref.DirectPath, ref.FileEncSHA256, ref.FileSHA256,
		ref.MediaKey, kind, mmsTypes[ref.Type], false)
	if err != nil {
		if errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith404) || errors.Is(err, whatsmeow.ErrMediaDownloadFailedWith410) {
			return nil, switchboard.Wrap(switchboard.CodeNotFound, "The media has expired on WhatsApp's servers", err)
		}
		return nil, switchboard.Wrap(switchboard.CodeWhatsAppFailure, "The media could not be downloaded from WhatsApp", err)
	}
	return data, nil
}

var mmsTypes = map[switchboard.MessageType]string{
	switchboard.MessageImage:    "image",
	switchboard.MessageSticker:  "image",
	switchboard.MessageVideo:    "video",
	switchboard.MessageAudio:    "audio",
	switchboard.MessageDocument: "document",
}
