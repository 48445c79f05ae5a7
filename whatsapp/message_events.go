package whatsapp

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/switchboard/switchboard"
)

// storeWriteTimeout bounds one message-store write from the event loop.
const storeWriteTimeout = 10 * time.Second

// recordMessageEvent keeps received messages, edits, deletions and receipts in the message
// store. It runs inline in whatsmeow's event loop: the write is one indexed row, and doing it
// before the handler returns means a message is stored before WhatsApp's delivery is acked. Its
// error makes the handler refuse the event, so that WhatsApp delivers it again.
func (m *Manager) recordMessageEvent(s *session, evt any) error {
	if m.opts.Messages == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(m.ctx, storeWriteTimeout)
	defer cancel()
	switch e := evt.(type) {
	case *events.Message:
		return m.recordIncoming(ctx, s, e)
	case *events.Receipt:
		if status, ok := receiptStatus(e.Type); ok {
			if err := m.opts.Messages.UpdateMessageStatus(ctx, s.id, e.MessageIDs, status); err != nil {
				return fmt.Errorf("storing a receipt: %w", err)
			}
		}
	}
	return nil
}

func receiptStatus(t types.ReceiptType) (switchboard.MessageStatus, bool) {
	switch t {
	case types.ReceiptTypeDelivered:
		return switchboard.StatusDelivered, true
	case types.ReceiptTypeRead, types.ReceiptTypeReadSelf:
		return switchboard.StatusRead, true
	case types.ReceiptTypePlayed, types.ReceiptTypePlayedSelf:
		return switchboard.StatusPlayed, true
	}
	return 0, false
}

func (m *Manager) recordIncoming(ctx context.Context, s *session, e *events.Message) error {
	msg := e.Message
	if pm := msg.GetProtocolMessage(); pm != nil {
		target := pm.GetKey().GetID()
		var err error
		switch pm.GetType() {
		case waE2E.ProtocolMessage_REVOKE:
			err = m.opts.Messages.MarkMessage(ctx, s.id, target, false, "", true)
		case waE2E.ProtocolMessage_MESSAGE_EDIT:
			_, text := classifyMessage(pm.GetEditedMessage())
			err = m.opts.Messages.MarkMessage(ctx, s.id, target, true, text, false)
		}
		if err != nil {
			return fmt.Errorf("storing an edit or deletion: %w", err)
		}
		return nil
	}
	typ, content := classifyMessage(msg)
	if typ == "" {
		return nil // key distribution, app-state keys and other content-less events
	}
	stored := &switchboard.StoredMessage{
		InstanceID: s.id, ID: e.Info.ID, Chat: toDomainJID(e.Info.Chat.ToNonAD()),
		Sender: toDomainJID(e.Info.Sender.ToNonAD()), FromMe: e.Info.IsFromMe,
		Timestamp: e.Info.Timestamp, Type: typ, Content: content, Source: "whatsapp",
		Status: switchboard.StatusDelivered, Media: mediaRefOf(typ, msg),
	}
	if ci := contextInfoOf(msg); ci != nil {
		stored.QuotedID = ci.GetStanzaID()
	}
	if typ == switchboard.MessagePoll {
		// The options name the hashes of later votes (events_catalogue.go), as for polls we send.
		p := pollOf(msg)
		stored.Payload, _ = json.Marshal(map[string]any{"question": p.Name, "options": p.Options, "maxAnswer": p.SelectableCount})
	}
	if err := m.opts.Messages.SaveMessage(ctx, stored); err != nil {
		return fmt.Errorf("storing received message %s: %w", e.Info.ID, err)
	}
	return nil
}

// classifyMessage names a message's type and its text form; "" for content-less messages.
func classifyMessage(msg *waE2E.Message) (switchboard.MessageType, string) {
	switch {
	case msg == nil:
		return "", ""
	case msg.GetConversation() != "":
		return switchboard.MessageText, msg.GetConversation()
	case msg.GetExtendedTextMessage() != nil:
		return switchboard.MessageText, msg.GetExtendedTextMessage().GetText()
	case msg.GetImageMessage() != nil:
		return switchboard.MessageImage, msg.GetImageMessage().GetCaption()
	case msg.GetVideoMessage() != nil:
		return switchboard.MessageVideo, msg.GetVideoMessage().GetCaption()
	case msg.GetAudioMessage() != nil:
		return switchboard.MessageAudio, ""
	case msg.GetDocumentMessage() != nil:
		return switchboard.MessageDocument, msg.GetDocumentMessage().GetCaption()
	case msg.GetStickerMessage() != nil:
		return switchboard.MessageSticker, ""
	case msg.GetLocationMessage() != nil:
		l := msg.GetLocationMessage()
		return switchboard.MessageLocation, LocationContent(l.GetName(), l.GetAddress(), l.GetDegreesLatitude(), l.GetDegreesLongitude())
	case msg.GetContactMessage() != nil:
		return switchboard.MessageContact, msg.GetContactMessage().GetDisplayName()
	case msg.GetContactsArrayMessage() != nil:
		return switchboard.MessageContact, msg.GetContactsArrayMessage().GetDisplayName()
	case msg.GetReactionMessage() != nil:
		return switchboard.MessageReaction, msg.GetReactionMessage().GetText()
	case msg.GetPollCreationMessage() != nil:
		return switchboard.MessagePoll, msg.GetPollCreationMessage().GetName()
	case msg.GetPollCreationMessageV3() != nil:
		return switchboard.MessagePoll, msg.GetPollCreationMessageV3().GetName()
	}
	return "", ""
}

// LocationContent is the text form of a location saved in history (RyzeAPI §2.6.4).
func LocationContent(name, address string, lat, long float64) string {
	return "📍 " + name + "\n" + address + "\nLat: " + formatFloat(lat) + ", Long: " + formatFloat(long)
}

func contextInfoOf(msg *waE2E.Message) *waE2E.ContextInfo {
	switch {
	case msg.GetExtendedTextMessage() != nil:
		return msg.GetExtendedTextMessage().GetContextInfo()
	case msg.GetImageMessage() != nil:
		return msg.GetImageMessage().GetContextInfo()
	case msg.GetVideoMessage() != nil:
		return msg.GetVideoMessage().GetContextInfo()
	case msg.GetAudioMessage() != nil:
		return msg.GetAudioMessage().GetContextInfo()
	case msg.GetDocumentMessage() != nil:
		return msg.GetDocumentMessage().GetContextInfo()
	}
	return nil
}

// mediaRefOf keeps what a later download needs: paths and keys, not bytes.
func mediaRefOf(typ switchboard.MessageType, msg *waE2E.Message) *switchboard.MediaRef {
	var d whatsmeow.DownloadableMessage
	ref := &switchboard.MediaRef{Type: typ}
	switch typ {
	case switchboard.MessageImage:
		x := msg.GetImageMessage()
		d, ref.Mimetype = x, x.GetMimetype()
	case switchboard.MessageVideo:
		x := msg.GetVideoMessage()
		d, ref.Mimetype, ref.Seconds = x, x.GetMimetype(), x.GetSeconds()
	case switchboard.MessageAudio:
		x := msg.GetAudioMessage()
		d, ref.Mimetype, ref.Seconds, ref.PTT = x, x.GetMimetype(), x.GetSeconds(), x.GetPTT()
	case switchboard.MessageDocument:
		x := msg.GetDocumentMessage()
		d, ref.Mimetype, ref.FileName = x, x.GetMimetype(), x.GetFileName()
	case switchboard.MessageSticker:
		x := msg.GetStickerMessage()
		d, ref.Mimetype = x, x.GetMimetype()
	default:
		return nil
	}
	ref.DirectPath = d.GetDirectPath()
	ref.MediaKey = d.GetMediaKey()
	ref.FileSHA256 = d.GetFileSHA256()
	ref.FileEncSHA256 = d.GetFileEncSHA256()
	if l, ok := d.(interface{ GetFileLength() uint64 }); ok {
		ref.FileLength = l.GetFileLength()
	}
	if u, ok := d.(interface{ GetURL() string }); ok {
		ref.URL = u.GetURL()
	}
	return ref
}
