package wasim

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
)

// ErrBadPhoneMessage marks a PhoneMessage that cannot be built.
var ErrBadPhoneMessage = errors.New("wasim: bad phone message")

// PhoneMessage describes a message a phone sends, in the shape of the
// sandbox's POST /sandbox/messages (and the control API's
// POST /wasim/control/phones/{phone}/messages).
type PhoneMessage struct {
	// To is a phone number, a user JID or a group JID.
	To string `json:"to"`
	// Type is text (default), image, video, audio, voice, document,
	// sticker, location, contact, reaction, poll, vote, edit or revoke.
	Type     string            `json:"type,omitempty"`
	Text     string            `json:"text,omitempty"`
	Media    *PhoneMessageFile `json:"media,omitempty"`
	QuoteID  string            `json:"quoteId,omitempty"`
	Mentions []string          `json:"mentions,omitempty"` // phone numbers or user JIDs
	Location *PhoneLocation    `json:"location,omitempty"`
	Contact  *PhoneContact     `json:"contact,omitempty"`
	Reaction *PhoneReaction    `json:"reaction,omitempty"`
	Poll     *PhonePoll        `json:"poll,omitempty"`
	// TargetID is the message an edit, revoke or vote is about.
	TargetID string `json:"targetId,omitempty"`
	// Options are the chosen options of a vote.
	Options []string `json:"options,omitempty"`
}

// PhoneMessageFile is an attachment in base64.
type PhoneMessageFile struct {
	Base64   string `json:"base64"`
	Mimetype string `json:"mimetype,omitempty"`
	FileName string `json:"fileName,omitempty"`
}

// PhoneLocation is a location pin.
type PhoneLocation struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name,omitempty"`
}

// PhoneContact is a contact card.
type PhoneContact struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// PhoneReaction reacts to a message ("" emoji removes the reaction).
type PhoneReaction struct {
	MessageID string `json:"messageId"`
	Emoji     string `json:"emoji"`
}

// PhonePoll creates a poll.
type PhonePoll struct {
	Name            string   `json:"name"`
	Options         []string `json:"options"`
	SelectableCount int      `json:"selectableCount,omitempty"`
}

func badPhoneMessage(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadPhoneMessage}, args...)...)
}

// ParseChat reads a phone number, user JID or group JID.
func ParseChat(to string) (types.JID, error) {
	to = strings.TrimSpace(to)
	if strings.Contains(to, "@") {
		jid, err := types.ParseJID(to)
		if err != nil {
			return types.EmptyJID, badPhoneMessage("to: %v", err)
		}
		return jid.ToNonAD(), nil
	}
	digits := digitsOnly(to)
	if validatePhone(digits) != nil {
		return types.EmptyJID, badPhoneMessage("to must be a phone number or a JID")
	}
	return types.NewJID(digits, types.DefaultUserServer), nil
}

// PhoneSendMessage builds and sends a message described by m (see PhoneSend).
func (s *Server) PhoneSendMessage(ctx context.Context, from string, m PhoneMessage) (string, error) {
	from = digitsOnly(from)
	chat, err := ParseChat(m.To)
	if err != nil {
		return "", err
	}
	p, err := s.phoneFor(from)
	if err != nil {
		return "", err
	}
	switch m.Type {
	case "", "text":
		if m.Text == "" {
			return "", badPhoneMessage("text is required")
		}
		msg := &waE2E.Message{Conversation: proto.String(m.Text)}
		if m.QuoteID != "" || len(m.Mentions) > 0 {
			ci, err := s.contextInfo(p, from, chat, m)
			if err != nil {
				return "", err
			}
			msg = &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String(m.Text), ContextInfo: ci}}
		}
		return s.PhoneSend(ctx, from, chat, msg)
	case "image", "video", "audio", "voice", "document", "sticker":
		if m.Media == nil {
			return "", badPhoneMessage("media is required for %s", m.Type)
		}
		data, err := base64.StdEncoding.DecodeString(m.Media.Base64)
		if err != nil || len(data) == 0 {
			return "", badPhoneMessage("media.base64 is not valid base64")
		}
		return s.PhoneSendMedia(ctx, from, chat, PhoneMedia{Kind: m.Type, Data: data, Mimetype: m.Media.Mimetype, FileName: m.Media.FileName, Caption: m.Text})
	case "location":
		if m.Location == nil {
			return "", badPhoneMessage("location is required")
		}
		return s.PhoneSend(ctx, from, chat, &waE2E.Message{LocationMessage: &waE2E.LocationMessage{
			DegreesLatitude: proto.Float64(m.Location.Latitude), DegreesLongitude: proto.Float64(m.Location.Longitude),
			Name: optionalString(m.Location.Name),
		}})
	case "contact":
		if m.Contact == nil || m.Contact.Name == "" {
			return "", badPhoneMessage("contact.name is required")
		}
		vcard := fmt.Sprintf("BEGIN:VCARD\nVERSION:3.0\nFN:%s\nTEL;type=CELL;waid=%s:+%s\nEND:VCARD",
			m.Contact.Name, digitsOnly(m.Contact.Phone), digitsOnly(m.Contact.Phone))
		return s.PhoneSend(ctx, from, chat, &waE2E.Message{ContactMessage: &waE2E.ContactMessage{
			DisplayName: proto.String(m.Contact.Name), Vcard: proto.String(vcard),
		}})
	case "reaction":
		if m.Reaction == nil || m.Reaction.MessageID == "" {
			return "", badPhoneMessage("reaction.messageId is required")
		}
		return s.PhoneSend(ctx, from, chat, &waE2E.Message{ReactionMessage: &waE2E.ReactionMessage{
			Key: s.messageKey(p, from, chat, m.Reaction.MessageID), Text: proto.String(m.Reaction.Emoji),
			SenderTimestampMS: proto.Int64(time.Now().UnixMilli()),
		}})
	case "poll":
		if m.Poll == nil || m.Poll.Name == "" || len(m.Poll.Options) < 2 {
			return "", badPhoneMessage("poll needs a name and at least two options")
		}
		return s.PhoneSendPoll(ctx, from, chat, m.Poll.Name, m.Poll.Options, m.Poll.SelectableCount)
	case "vote":
		if m.TargetID == "" || len(m.Options) == 0 {
			return "", badPhoneMessage("a vote needs targetId and options")
		}
		return s.PhoneVote(ctx, from, chat, m.TargetID, m.Options)
	case "edit":
		if m.TargetID == "" || m.Text == "" {
			return "", badPhoneMessage("an edit needs targetId and text")
		}
		return s.PhoneSend(ctx, from, chat, &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
			Type: waE2E.ProtocolMessage_MESSAGE_EDIT.Enum(), Key: ownKey(chat, m.TargetID),
			EditedMessage: &waE2E.Message{Conversation: proto.String(m.Text)}, TimestampMS: proto.Int64(time.Now().UnixMilli()),
		}})
	case "revoke":
		if m.TargetID == "" {
			return "", badPhoneMessage("a revoke needs targetId")
		}
		return s.PhoneSend(ctx, from, chat, &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{
			Type: waE2E.ProtocolMessage_REVOKE.Enum(), Key: ownKey(chat, m.TargetID),
		}})
	}
	return "", badPhoneMessage("unknown type %q", m.Type)
}

// contextInfo quotes a message (one the phone received, or else its own)
// and lists mentions.
func (s *Server) contextInfo(p *phone, from string, chat types.JID, m PhoneMessage) (*waE2E.ContextInfo, error) {
	ci := &waE2E.ContextInfo{}
	if m.QuoteID != "" {
		ci.StanzaID = proto.String(m.QuoteID)
		ci.Participant = proto.String(types.NewJID(from, types.DefaultUserServer).String())
		if q, ok := p.received(chat, m.QuoteID); ok {
			ci.Participant = proto.String(q.Sender.String())
			ci.QuotedMessage = q.Message
		}
	}
	for _, mention := range m.Mentions {
		jid, err := ParseChat(mention)
		if err != nil || jid.Server == types.GroupServer {
			return nil, badPhoneMessage("mention %q is not a user", mention)
		}
		ci.MentionedJID = append(ci.MentionedJID, jid.String())
	}
	return ci, nil
}

// messageKey names a message of the chat: one the phone received, or its own.
func (s *Server) messageKey(p *phone, from string, chat types.JID, id string) *waCommon.MessageKey {
	if q, ok := p.received(chat, id); ok && !q.FromMe {
		key := &waCommon.MessageKey{RemoteJID: proto.String(chat.String()), FromMe: proto.Bool(false), ID: proto.String(id)}
		if chat.Server == types.GroupServer {
			key.Participant = proto.String(q.Sender.String())
		}
		return key
	}
	return ownKey(chat, id)
}

func ownKey(chat types.JID, id string) *waCommon.MessageKey {
	return &waCommon.MessageKey{RemoteJID: proto.String(chat.String()), FromMe: proto.Bool(true), ID: proto.String(id)}
}

func optionalString(s string) *string {
	if s == "" {
		return nil
	}
	return proto.String(s)
}
