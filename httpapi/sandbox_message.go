package httpapi

import (
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/switchboard/switchboard"
)

// SandboxMessage is a message a simulated phone sends (POST /sandbox/messages). To is a user
// JID (<digits>@s.whatsapp.net) or a group JID; Mentions are user JIDs; Media.Data is the
// decoded attachment.
type SandboxMessage struct {
	To       string
	Type     string
	Text     string
	Media    *SandboxFile
	QuoteID  string
	Mentions []string
	Location *SandboxLocation
	Contact  *SandboxContact
	Reaction *SandboxReaction
	Poll     *SandboxPoll
	TargetID string   // the message an edit, revoke or vote is about
	Options  []string // the options a vote chooses
}

// SandboxFile is an attachment.
type SandboxFile struct {
	Data     []byte
	Mimetype string
	FileName string
}

// SandboxLocation is a location pin.
type SandboxLocation struct {
	Latitude, Longitude float64
	Name                string
}

// SandboxContact is a contact card.
type SandboxContact struct{ Name, Phone string }

// SandboxReaction reacts to MessageID with Emoji ("" removes the reaction).
type SandboxReaction struct{ MessageID, Emoji string }

// SandboxPoll is a poll; SelectableCount 0 lets a voter choose any number of options.
type SandboxPoll struct {
	Name            string
	Options         []string
	SelectableCount int
}

// sandboxMessageTypes are the types POST /sandbox/messages takes, in the order the error lists
// them. voice is an audio message marked as a voice note; vote chooses options of a poll.
var sandboxMessageTypes = []string{"text", "image", "video", "audio", "voice", "document", "sticker",
	"location", "contact", "reaction", "poll", "vote", "edit", "revoke"}

// Limits of a phone's message: WhatsApp's own text limit, and a poll's 12 options.
const (
	maxSandboxMessageText = 65536
	maxSandboxPollOptions = 12
	maxSandboxMentions    = 1024
)

type sandboxMessageRequest struct {
	From     string               `json:"from"`
	To       string               `json:"to"`
	Type     string               `json:"type"`
	Text     string               `json:"text"`
	Media    *sandboxFileJSON     `json:"media"`
	QuoteID  string               `json:"quoteId"`
	Mentions []string             `json:"mentions"`
	Location *sandboxLocationJSON `json:"location"`
	Contact  *sandboxContactJSON  `json:"contact"`
	Reaction *sandboxReactionJSON `json:"reaction"`
	Poll     *sandboxPollJSON     `json:"poll"`
	TargetID string               `json:"targetId"`
	Options  []string             `json:"options"`
}

type sandboxFileJSON struct {
	Base64   string `json:"base64"`
	Mimetype string `json:"mimetype"`
	FileName string `json:"fileName"`
}

type sandboxLocationJSON struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
	Name      string  `json:"name"`
}

type sandboxContactJSON struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

type sandboxReactionJSON struct {
	MessageID string `json:"messageId"`
	Emoji     string `json:"emoji"`
}

type sandboxPollJSON struct {
	Name            string   `json:"name"`
	Options         []string `json:"options"`
	SelectableCount int      `json:"selectableCount"`
}

type sandboxMessageResponse struct {
	envelope
	ID string `json:"id"`
}

func (s *Server) handleSandboxMessage(w http.ResponseWriter, r *http.Request) error {
	var body sandboxMessageRequest
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	from, err := sandboxPhone("from", body.From)
	if err != nil {
		return err
	}
	m, err := body.validate()
	if err != nil {
		return err
	}
	account := principalFrom(r.Context()).accountID
	if err := s.ownPhone(r.Context(), account, from, false); err != nil {
		return err
	}
	if err := s.ownChat(r.Context(), account, m.To); err != nil {
		return err
	}
	id, err := s.cfg.Sandbox.SendMessage(r.Context(), from, m)
	if err != nil {
		return sessionFailed("Sandbox message failed", err)
	}
	writeJSON(w, http.StatusOK, sandboxMessageResponse{envelope: ok("Message sent"), ID: id})
	return nil
}

// validate checks what each type needs and normalises addresses to JIDs.
func (b sandboxMessageRequest) validate() (SandboxMessage, error) {
	to, err := sandboxChat("to", b.To)
	if err != nil {
		return SandboxMessage{}, err
	}
	m := SandboxMessage{To: to, Type: b.Type, Text: b.Text, QuoteID: strings.TrimSpace(b.QuoteID),
		TargetID: strings.TrimSpace(b.TargetID), Options: b.Options}
	if m.Type == "" {
		m.Type = "text"
	}
	if !slices.Contains(sandboxMessageTypes, m.Type) {
		return SandboxMessage{}, invalid("type must be one of " + strings.Join(sandboxMessageTypes, ", "))
	}
	if !utf8.ValidString(m.Text) || len(m.Text) > maxSandboxMessageText {
		return SandboxMessage{}, invalid("text must be valid text of at most 65536 bytes")
	}
	if len(b.Mentions) > maxSandboxMentions {
		return SandboxMessage{}, invalid("mentions are limited to 1024 entries")
	}
	for _, mention := range b.Mentions {
		jid, err := switchboard.NormalizeUserJID(mention)
		if err != nil {
			return SandboxMessage{}, invalid("mentions must be phone numbers or user JIDs")
		}
		m.Mentions = append(m.Mentions, jid.String())
	}
	if err := b.validateContent(&m); err != nil {
		return SandboxMessage{}, err
	}
	return m, nil
}

// validateContent checks the field the message's type needs.
func (b sandboxMessageRequest) validateContent(m *SandboxMessage) error {
	switch m.Type {
	case "text":
		if strings.TrimSpace(m.Text) == "" {
			return invalid("text is required")
		}
	case "image", "video", "audio", "voice", "document", "sticker":
		if b.Media == nil || b.Media.Base64 == "" {
			return invalid("media.base64 is required for " + m.Type)
		}
		data, err := base64.StdEncoding.DecodeString(b.Media.Base64)
		if err != nil || len(data) == 0 {
			return invalid("media.base64 must be standard base64")
		}
		m.Media = &SandboxFile{Data: data, Mimetype: strings.TrimSpace(b.Media.Mimetype), FileName: strings.TrimSpace(b.Media.FileName)}
	case "location":
		l := b.Location
		if l == nil {
			return invalid("location is required")
		}
		if l.Latitude < -90 || l.Latitude > 90 || l.Longitude < -180 || l.Longitude > 180 {
			return invalid("location.latitude must be between -90 and 90 and location.longitude between -180 and 180")
		}
		m.Location = &SandboxLocation{Latitude: l.Latitude, Longitude: l.Longitude, Name: l.Name}
	case "contact":
		c := b.Contact
		if c == nil || strings.TrimSpace(c.Name) == "" {
			return invalid("contact.name is required")
		}
		phone := switchboard.PhoneDigits(c.Phone)
		if phone == "" {
			return invalid("contact.phone must be a phone number of " + switchboard.PhoneLengthRule)
		}
		m.Contact = &SandboxContact{Name: strings.TrimSpace(c.Name), Phone: phone}
	case "reaction":
		if b.Reaction == nil || strings.TrimSpace(b.Reaction.MessageID) == "" {
			return invalid("reaction.messageId is required")
		}
		m.Reaction = &SandboxReaction{MessageID: strings.TrimSpace(b.Reaction.MessageID), Emoji: b.Reaction.Emoji}
	case "poll":
		p := b.Poll
		if p == nil || strings.TrimSpace(p.Name) == "" {
			return invalid("poll.name is required")
		}
		if len(p.Options) < 2 || len(p.Options) > maxSandboxPollOptions {
			return invalid("poll.options must list 2 to 12 options")
		}
		if p.SelectableCount < 0 || p.SelectableCount > len(p.Options) {
			return invalid("poll.selectableCount must be between 0 (any number) and the number of options")
		}
		m.Poll = &SandboxPoll{Name: strings.TrimSpace(p.Name), Options: p.Options, SelectableCount: p.SelectableCount}
	case "vote":
		if m.TargetID == "" || len(m.Options) == 0 {
			return invalid("targetId and options are required for a vote")
		}
	case "edit":
		if m.TargetID == "" || strings.TrimSpace(m.Text) == "" {
			return invalid("targetId and text are required for an edit")
		}
	case "revoke":
		if m.TargetID == "" {
			return invalid("targetId is required for a revoke")
		}
	}
	return nil
}

// sandboxChat reads a chat of the simulated world: a phone number or user JID (returned as the
// user JID), or a group JID (which needs its @g.us, a group id alone being all digits too).
func sandboxChat(field, value string) (string, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return "", invalid(field + " is required")
	}
	if strings.HasSuffix(value, "@"+switchboard.ServerGroup) {
		jid, err := switchboard.NormalizeGroupJID(value)
		if err != nil {
			return "", invalid(field + " must be a phone number, a user JID or a group JID")
		}
		return jid.String(), nil
	}
	jid, err := switchboard.NormalizeUserJID(value)
	if err != nil || jid.Server != switchboard.ServerUser {
		return "", invalid(field + " must be a phone number, a user JID or a group JID")
	}
	return jid.String(), nil
}
