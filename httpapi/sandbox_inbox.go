package httpapi

import (
	"net/http"
	"time"
)

// SandboxInbox is what a simulated phone received: messages (decrypted by the phone), the
// receipts others sent for its messages, and the call signals its peers' devices sent it.
type SandboxInbox struct {
	Messages []SandboxInboxMessage
	Receipts []SandboxInboxReceipt
	Calls    []SandboxInboxCall
}

// SandboxInboxMessage is one received message. Chat is the peer's user JID in a DM and the
// group's JID in a group; From is the sending user; FromMe marks a copy of what one of the
// phone's own linked devices (an instance) sent elsewhere.
type SandboxInboxMessage struct {
	ID, Chat, From, Type, Text string
	FromMe                     bool
	Timestamp                  time.Time
	QuotedID                   string
	Mentions                   []string
	Media                      *SandboxInboxMedia
	Location                   *SandboxLocation
	Contact                    *SandboxContact
	Reaction                   *SandboxReaction
	Poll                       *SandboxPoll
	PollVote                   []string
	TargetID                   string
	Edited, Revoked            bool
}

// SandboxInboxMedia describes an attachment the phone downloaded and decrypted.
type SandboxInboxMedia struct {
	Mimetype, SHA256, FileName string
	Size                       int
}

// SandboxInboxReceipt is a receipt for one message; Type is delivered, read, played, ....
type SandboxInboxReceipt struct {
	ID, Chat, From, Type string
	Timestamp            time.Time
}

// SandboxInboxCall is a call signal (reject, accept, terminate, ...) a device sent the phone.
type SandboxInboxCall struct{ CallID, From, Action string }

type sandboxInboxResponse struct {
	envelope
	Messages []sandboxInboxMessageJSON `json:"messages"`
	Receipts []sandboxInboxReceiptJSON `json:"receipts"`
	Calls    []sandboxInboxCallJSON    `json:"calls"`
}

type sandboxInboxMessageJSON struct {
	ID        string               `json:"id"`
	Chat      string               `json:"chat"`
	From      string               `json:"from"`
	FromMe    bool                 `json:"fromMe"`
	Type      string               `json:"type"`
	Text      string               `json:"text"`
	Timestamp time.Time            `json:"timestamp"`
	QuotedID  string               `json:"quotedId,omitempty"`
	Mentions  []string             `json:"mentions,omitempty"`
	Media     *sandboxMediaJSON    `json:"media,omitempty"`
	Location  *sandboxLocationJSON `json:"location,omitempty"`
	Contact   *sandboxContactJSON  `json:"contact,omitempty"`
	Reaction  *sandboxReactionJSON `json:"reaction,omitempty"`
	Poll      *sandboxPollJSON     `json:"poll,omitempty"`
	PollVote  []string             `json:"pollVote,omitempty"`
	TargetID  string               `json:"targetId,omitempty"`
	Edited    bool                 `json:"edited"`
	Revoked   bool                 `json:"revoked"`
}

type sandboxMediaJSON struct {
	Mimetype string `json:"mimetype"`
	SHA256   string `json:"sha256"`
	Size     int    `json:"size"`
	FileName string `json:"fileName,omitempty"`
}

type sandboxInboxReceiptJSON struct {
	ID        string    `json:"id"`
	Chat      string    `json:"chat"`
	From      string    `json:"from"`
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
}

type sandboxInboxCallJSON struct {
	CallID string `json:"callId"`
	From   string `json:"from"`
	Action string `json:"action"`
}

func (s *Server) handleSandboxInbox(w http.ResponseWriter, r *http.Request) error {
	phone, err := sandboxPhone("phone", r.PathValue("phone"))
	if err != nil {
		return err
	}
	var since time.Time
	if v := r.URL.Query().Get("since"); v != "" {
		if since, err = time.Parse(time.RFC3339, v); err != nil {
			return invalid("since must be an RFC 3339 time, e.g. 2026-01-02T15:04:05Z")
		}
	}
	if err := s.ownPhone(r.Context(), principalFrom(r.Context()).accountID, phone, false); err != nil {
		return err
	}
	inbox, err := s.cfg.Sandbox.Inbox(r.Context(), phone, since)
	if err != nil {
		return sessionFailed("Sandbox inbox failed", err)
	}
	writeJSON(w, http.StatusOK, inboxToJSON(inbox))
	return nil
}

func inboxToJSON(in SandboxInbox) sandboxInboxResponse {
	out := sandboxInboxResponse{envelope: ok("Inbox found"), Messages: []sandboxInboxMessageJSON{},
		Receipts: []sandboxInboxReceiptJSON{}, Calls: []sandboxInboxCallJSON{}}
	for _, m := range in.Messages {
		j := sandboxInboxMessageJSON{ID: m.ID, Chat: m.Chat, From: m.From, FromMe: m.FromMe, Type: m.Type, Text: m.Text,
			Timestamp: m.Timestamp.UTC(), QuotedID: m.QuotedID, Mentions: m.Mentions, PollVote: m.PollVote,
			TargetID: m.TargetID, Edited: m.Edited, Revoked: m.Revoked}
		if m.Media != nil {
			j.Media = &sandboxMediaJSON{Mimetype: m.Media.Mimetype, SHA256: m.Media.SHA256, Size: m.Media.Size, FileName: m.Media.FileName}
		}
		if m.Location != nil {
			l := sandboxLocationJSON(*m.Location)
			j.Location = &l
		}
		if m.Contact != nil {
			c := sandboxContactJSON(*m.Contact)
			j.Contact = &c
		}
		if m.Reaction != nil {
			r := sandboxReactionJSON(*m.Reaction)
			j.Reaction = &r
		}
		if m.Poll != nil {
			p := sandboxPollJSON(*m.Poll)
			j.Poll = &p
		}
		out.Messages = append(out.Messages, j)
	}
	for _, r := range in.Receipts {
		out.Receipts = append(out.Receipts, sandboxInboxReceiptJSON{ID: r.ID, Chat: r.Chat, From: r.From, Type: r.Type, Timestamp: r.Timestamp.UTC()})
	}
	for _, c := range in.Calls {
		out.Calls = append(out.Calls, sandboxInboxCallJSON(c))
	}
	return out
}
