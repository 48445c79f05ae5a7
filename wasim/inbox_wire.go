package wasim

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
)

// controlInboxMessage is one inbox message on the wire: the fields a sandbox user reads (the
// sandbox's GET /sandbox/inbox/{phone} shows them), and the whole waE2E.Message as protojson.
type controlInboxMessage struct {
	ID        string          `json:"id"`
	Chat      types.JID       `json:"chat"`
	From      types.JID       `json:"from"`
	FromMe    bool            `json:"fromMe"`
	Type      string          `json:"type"`
	Text      string          `json:"text"`
	Timestamp time.Time       `json:"timestamp"`
	QuotedID  string          `json:"quotedId,omitempty"`
	Mentions  []string        `json:"mentions,omitempty"`
	Media     *controlMedia   `json:"media,omitempty"`
	Location  *PhoneLocation  `json:"location,omitempty"`
	Contact   *PhoneContact   `json:"contact,omitempty"`
	Reaction  *PhoneReaction  `json:"reaction,omitempty"`
	Poll      *PhonePoll      `json:"poll,omitempty"`
	PollVote  []string        `json:"pollVote,omitempty"`
	TargetID  string          `json:"targetId,omitempty"` // the message an edit or revoke is about
	Edited    bool            `json:"edited,omitempty"`   // a later edit in the inbox targets it
	Revoked   bool            `json:"revoked,omitempty"`  // a later revoke in the inbox targets it
	Message   json.RawMessage `json:"message"`            // the waE2E.Message as protojson
}

type controlMedia struct {
	Mimetype string `json:"mimetype"`
	SHA256   string `json:"sha256"` // hex, of the decrypted bytes
	Size     int    `json:"size"`
	FileName string `json:"fileName,omitempty"`
}

// PhoneInbox returns a phone's inbox as the control API shows it: messages, receipts and calls
// at or after since (a zero since returns everything).
func (s *Server) PhoneInbox(phone string, since time.Time) (PhoneInbox, error) {
	msgs, receipts, err := s.Inbox(phone)
	if err != nil {
		return PhoneInbox{}, err
	}
	calls, _ := s.Calls(phone)
	return inboxToWire(msgs, receipts, calls, since), nil
}

func inboxToWire(msgs []InboxMessage, receipts []InboxReceipt, calls []InboxCall, since time.Time) controlInbox {
	out := controlInbox{Messages: []controlInboxMessage{}, Receipts: []controlInboxReceipt{}, Calls: []controlInboxCall{}}
	edited, revoked := map[string]bool{}, map[string]bool{}
	for _, m := range msgs {
		if target := protocolTarget(m.Message); target != "" {
			switch m.Type {
			case "edit":
				edited[target] = true
			case "revoke":
				revoked[target] = true
			}
		}
	}
	for _, m := range msgs {
		if m.Timestamp.Before(since) {
			continue
		}
		out.Messages = append(out.Messages, messageToWire(m, edited[m.ID], revoked[m.ID]))
	}
	for _, r := range receipts {
		if !r.Timestamp.Before(since) {
			out.Receipts = append(out.Receipts, controlInboxReceipt(r))
		}
	}
	for _, c := range calls {
		out.Calls = append(out.Calls, controlInboxCall(c))
	}
	return out
}

func messageToWire(m InboxMessage, edited, revoked bool) controlInboxMessage {
	raw, _ := protojson.Marshal(m.Message)
	w := controlInboxMessage{ID: m.ID, Chat: m.Chat, From: m.Sender, FromMe: m.FromMe, Type: m.Type, Text: m.Text,
		Timestamp: m.Timestamp, PollVote: m.PollVote, TargetID: protocolTarget(m.Message),
		Edited: edited, Revoked: revoked, Message: raw}
	if ci := contextInfoOf(m); ci != nil {
		w.QuotedID, w.Mentions = ci.GetStanzaID(), ci.GetMentionedJID()
	}
	if m.Media != nil {
		w.Media = &controlMedia{Mimetype: m.Media.Mimetype, SHA256: hex.EncodeToString(m.Media.SHA256[:]), Size: m.Media.Size, FileName: m.Media.FileName}
	}
	msg := m.Message
	if loc := msg.GetLocationMessage(); loc != nil {
		w.Location = &PhoneLocation{Latitude: loc.GetDegreesLatitude(), Longitude: loc.GetDegreesLongitude(), Name: loc.GetName()}
	}
	if c := msg.GetContactMessage(); c != nil {
		w.Contact = &PhoneContact{Name: c.GetDisplayName(), Phone: vcardPhone(c.GetVcard())}
	}
	if r := msg.GetReactionMessage(); r != nil {
		w.Reaction = &PhoneReaction{MessageID: r.GetKey().GetID(), Emoji: r.GetText()}
	}
	if p := pollCreation(msg); p != nil {
		poll := &PhonePoll{Name: p.GetName(), SelectableCount: int(p.GetSelectableOptionsCount()), Options: []string{}}
		for _, o := range p.GetOptions() {
			poll.Options = append(poll.Options, o.GetOptionName())
		}
		w.Poll = poll
	}
	return w
}

// protocolTarget is the id of the message an edit or a revoke is about ("" for other messages).
func protocolTarget(m *waE2E.Message) string {
	if pm := m.GetProtocolMessage(); pm != nil {
		return pm.GetKey().GetID()
	}
	return m.GetEditedMessage().GetMessage().GetProtocolMessage().GetKey().GetID()
}

func pollCreation(m *waE2E.Message) *waE2E.PollCreationMessage {
	for _, p := range []*waE2E.PollCreationMessage{m.GetPollCreationMessage(), m.GetPollCreationMessageV3(), m.GetPollCreationMessageV2()} {
		if p != nil {
			return p
		}
	}
	return nil
}

// vcardPhone reads the number of a contact card's first TEL line ("TEL;...:+5511..." → digits).
func vcardPhone(vcard string) string {
	for _, line := range strings.Split(vcard, "\n") {
		if strings.HasPrefix(line, "TEL") {
			if i := strings.LastIndexByte(line, ':'); i >= 0 {
				return digitsOnly(line[i+1:])
			}
		}
	}
	return ""
}

// contextInfoOf finds the quote and mentions of a received message.
func contextInfoOf(m InboxMessage) interface {
	GetStanzaID() string
	GetMentionedJID() []string
} {
	switch {
	case m.Message.GetExtendedTextMessage() != nil:
		return m.Message.GetExtendedTextMessage().GetContextInfo()
	case m.Message.GetImageMessage() != nil:
		return m.Message.GetImageMessage().GetContextInfo()
	case m.Message.GetVideoMessage() != nil:
		return m.Message.GetVideoMessage().GetContextInfo()
	case m.Message.GetDocumentMessage() != nil:
		return m.Message.GetDocumentMessage().GetContextInfo()
	case m.Message.GetAudioMessage() != nil:
		return m.Message.GetAudioMessage().GetContextInfo()
	}
	return nil
}
