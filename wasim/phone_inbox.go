package wasim

import (
	"slices"
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"
)

// InboxMessage is one message a simulated phone received (decrypted from a
// whatsmeow client, or handed over directly by another simulated phone), or
// a copy of a message one of its own companions sent (FromMe).
type InboxMessage struct {
	ID        string
	Chat      types.JID // the peer's user JID in a DM, the group JID in a group
	Sender    types.JID // the sending user (phone number JID)
	FromMe    bool
	Timestamp time.Time
	// Type classifies the content: text, image, video, audio, document,
	// sticker, location, contact, reaction, poll, edit, revoke, protocol or
	// other.
	Type  string
	Text  string
	Media *InboxMedia // the decrypted attachment, when the phone could fetch it
	// PollVote is the options chosen in a vote on one of this phone's polls.
	PollVote []string
	Message  *waE2E.Message

	viaPhone bool // handed over by another simulated phone
}

// InboxMedia describes an attachment the phone downloaded and decrypted.
type InboxMedia struct {
	Mimetype string
	FileName string
	SHA256   [32]byte // of the decrypted bytes
	Size     int
	Data     []byte
}

// InboxReceipt is a receipt the phone got for messages in a chat.
type InboxReceipt struct {
	IDs       []string
	Chat      types.JID
	From      types.JID // the user whose device sent the receipt
	Type      string    // "" (delivered), read, played, read-self, …
	Timestamp time.Time
}

// Inbox returns a copy of what a phone received: messages and receipts, oldest first.
func (s *Server) Inbox(phoneNumber string) ([]InboxMessage, []InboxReceipt, error) {
	p, err := s.phoneFor(digitsOnly(phoneNumber))
	if err != nil {
		return nil, nil, err
	}
	p.inboxMu.Lock()
	defer p.inboxMu.Unlock()
	return slices.Clone(p.inbox), slices.Clone(p.receipts), nil
}

func (p *phone) record(m InboxMessage) {
	p.inboxMu.Lock()
	defer p.inboxMu.Unlock()
	p.inbox = append(p.inbox, m)
	if over := len(p.inbox) - maxInbox; over > 0 {
		p.inbox = p.inbox[over:]
	}
}

func (p *phone) recordReceipt(r InboxReceipt) {
	p.inboxMu.Lock()
	defer p.inboxMu.Unlock()
	p.receipts = append(p.receipts, r)
	if over := len(p.receipts) - maxInbox; over > 0 {
		p.receipts = p.receipts[over:]
	}
}

// received finds a received message by id in a chat.
func (p *phone) received(chat types.JID, id string) (InboxMessage, bool) {
	p.inboxMu.Lock()
	defer p.inboxMu.Unlock()
	for i := len(p.inbox) - 1; i >= 0; i-- {
		if m := p.inbox[i]; m.ID == id && m.Chat == chat {
			return m, true
		}
	}
	return InboxMessage{}, false
}

// classify names a message's content type and extracts its text.
func classify(m *waE2E.Message) (string, string) {
	switch {
	case m.GetConversation() != "":
		return "text", m.GetConversation()
	case m.GetExtendedTextMessage() != nil:
		return "text", m.GetExtendedTextMessage().GetText()
	case m.GetImageMessage() != nil:
		return "image", m.GetImageMessage().GetCaption()
	case m.GetVideoMessage() != nil:
		return "video", m.GetVideoMessage().GetCaption()
	case m.GetAudioMessage() != nil:
		return "audio", ""
	case m.GetDocumentMessage() != nil:
		return "document", m.GetDocumentMessage().GetCaption()
	case m.GetStickerMessage() != nil:
		return "sticker", ""
	case m.GetLocationMessage() != nil:
		return "location", m.GetLocationMessage().GetName()
	case m.GetContactMessage() != nil:
		return "contact", m.GetContactMessage().GetDisplayName()
	case m.GetReactionMessage() != nil:
		return "reaction", m.GetReactionMessage().GetText()
	case m.GetPollCreationMessage() != nil || m.GetPollCreationMessageV3() != nil:
		return "poll", m.GetPollCreationMessage().GetName() + m.GetPollCreationMessageV3().GetName()
	case m.GetPollUpdateMessage() != nil:
		return "poll_vote", ""
	case m.GetEditedMessage() != nil:
		_, text := classify(m.GetEditedMessage().GetMessage().GetProtocolMessage().GetEditedMessage())
		return "edit", text
	case m.GetProtocolMessage() != nil:
		switch m.GetProtocolMessage().GetType() {
		case waE2E.ProtocolMessage_REVOKE:
			return "revoke", ""
		case waE2E.ProtocolMessage_MESSAGE_EDIT:
			_, text := classify(m.GetProtocolMessage().GetEditedMessage())
			return "edit", text
		}
		return "protocol", ""
	}
	return "other", ""
}

// hasContent reports whether a decrypted message carries anything besides
// key material (a sender key distribution alone is not a message).
func hasContent(m *waE2E.Message) bool {
	if m == nil {
		return false
	}
	clone := proto.Clone(m).(*waE2E.Message)
	clone.SenderKeyDistributionMessage = nil
	clone.MessageContextInfo = nil
	return proto.Size(clone) > 0
}
