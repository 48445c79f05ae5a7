package app

import (
	"context"
	"encoding/base64"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/httpapi"
	"github.com/switchboard/switchboard/wasim"
)

// phoneDriver is what the /sandbox phone routes ask of the simulator, the same in this process
// (localPhones over *wasim.Server) and behind its control API (*wasim.ControlClient).
type phoneDriver interface {
	PhoneSendMessage(ctx context.Context, phone string, m wasim.PhoneMessage) (string, error)
	Inbox(ctx context.Context, phone string, since time.Time) (wasim.PhoneInbox, error)
	PhoneReceipt(ctx context.Context, phone string, chat types.JID, ids []string, typ string) error
	PhonePresence(ctx context.Context, phone, to, state string) error
	PhoneCall(ctx context.Context, phone string, to types.JID, action, callID string) (string, error)
}

var (
	_ phoneDriver = localPhones{}
	_ phoneDriver = (*wasim.ControlClient)(nil)
)

// localPhones is the embedded simulator as a phoneDriver: its calls finish without waiting on
// the network, so they take no context.
type localPhones struct{ sim *wasim.Server }

func (l localPhones) PhoneSendMessage(ctx context.Context, phone string, m wasim.PhoneMessage) (string, error) {
	return l.sim.PhoneSendMessage(ctx, phone, m)
}

func (l localPhones) Inbox(_ context.Context, phone string, since time.Time) (wasim.PhoneInbox, error) {
	return l.sim.PhoneInbox(phone, since)
}

func (l localPhones) PhoneReceipt(_ context.Context, phone string, chat types.JID, ids []string, typ string) error {
	return l.sim.PhoneReceipt(phone, chat, ids, typ)
}

func (l localPhones) PhonePresence(_ context.Context, phone, to, state string) error {
	return l.sim.PhonePresence(phone, to, state)
}

func (l localPhones) PhoneCall(_ context.Context, phone string, to types.JID, action, callID string) (string, error) {
	return l.sim.PhoneCall(phone, to, action, callID)
}

// sandboxPhones serves the phone routes of httpapi.Sandbox (messages, inbox, receipts,
// presence, calls) over a phoneDriver; fail turns the simulator's errors into API errors.
type sandboxPhones struct {
	driver phoneDriver
	fail   func(error) error
}

func (s sandboxPhones) SendMessage(ctx context.Context, from string, m httpapi.SandboxMessage) (string, error) {
	id, err := s.driver.PhoneSendMessage(ctx, from, phoneMessageOf(m))
	if err != nil {
		return "", s.fail(err)
	}
	return id, nil
}

func (s sandboxPhones) Inbox(ctx context.Context, phone string, since time.Time) (httpapi.SandboxInbox, error) {
	in, err := s.driver.Inbox(ctx, phone, since)
	if err != nil {
		return httpapi.SandboxInbox{}, s.fail(err)
	}
	return sandboxInboxOf(in), nil
}

func (s sandboxPhones) SendReceipts(ctx context.Context, phone, chat string, ids []string, typ string) error {
	jid, err := types.ParseJID(chat)
	if err != nil {
		return switchboard.Errorf(switchboard.CodeInvalid, "chat must be a phone number, a user JID or a group JID")
	}
	return s.fail(s.driver.PhoneReceipt(ctx, phone, jid, ids, typ))
}

func (s sandboxPhones) SetPresence(ctx context.Context, phone, to, state string) error {
	return s.fail(s.driver.PhonePresence(ctx, phone, to, state))
}

func (s sandboxPhones) Call(ctx context.Context, from, to, action, callID string) (string, error) {
	jid, err := types.ParseJID(to)
	if err != nil {
		return "", switchboard.Errorf(switchboard.CodeInvalid, "to must be a phone number or a user JID")
	}
	id, err := s.driver.PhoneCall(ctx, from, jid, action, callID)
	if err != nil {
		return "", s.fail(err)
	}
	return id, nil
}

// phoneMessageOf is the API's message in the simulator's terms.
func phoneMessageOf(m httpapi.SandboxMessage) wasim.PhoneMessage {
	out := wasim.PhoneMessage{To: m.To, Type: m.Type, Text: m.Text, QuoteID: m.QuoteID, Mentions: m.Mentions,
		TargetID: m.TargetID, Options: m.Options}
	if m.Media != nil {
		out.Media = &wasim.PhoneMessageFile{Base64: base64.StdEncoding.EncodeToString(m.Media.Data), Mimetype: m.Media.Mimetype, FileName: m.Media.FileName}
	}
	// The API's and the simulator's shapes have the same fields, so they convert directly.
	if m.Location != nil {
		l := wasim.PhoneLocation(*m.Location)
		out.Location = &l
	}
	if m.Contact != nil {
		c := wasim.PhoneContact(*m.Contact)
		out.Contact = &c
	}
	if m.Reaction != nil {
		r := wasim.PhoneReaction(*m.Reaction)
		out.Reaction = &r
	}
	if m.Poll != nil {
		p := wasim.PhonePoll(*m.Poll)
		out.Poll = &p
	}
	return out
}

// sandboxInboxOf is the simulator's inbox as the API shows it: one receipt row per message id,
// and a delivery receipt named "delivered" (WhatsApp's receipt stanza leaves its type out).
func sandboxInboxOf(in wasim.PhoneInbox) httpapi.SandboxInbox {
	out := httpapi.SandboxInbox{}
	for _, m := range in.Messages {
		msg := httpapi.SandboxInboxMessage{ID: m.ID, Chat: m.Chat.String(), From: m.From.String(), FromMe: m.FromMe,
			Type: m.Type, Text: m.Text, Timestamp: m.Timestamp, QuotedID: m.QuotedID, Mentions: m.Mentions,
			PollVote: m.PollVote, TargetID: m.TargetID, Edited: m.Edited, Revoked: m.Revoked}
		if m.Media != nil {
			msg.Media = &httpapi.SandboxInboxMedia{Mimetype: m.Media.Mimetype, SHA256: m.Media.SHA256, Size: m.Media.Size, FileName: m.Media.FileName}
		}
		if m.Location != nil {
			l := httpapi.SandboxLocation(*m.Location)
			msg.Location = &l
		}
		if m.Contact != nil {
			c := httpapi.SandboxContact(*m.Contact)
			msg.Contact = &c
		}
		if m.Reaction != nil {
			r := httpapi.SandboxReaction(*m.Reaction)
			msg.Reaction = &r
		}
		if m.Poll != nil {
			p := httpapi.SandboxPoll(*m.Poll)
			msg.Poll = &p
		}
		out.Messages = append(out.Messages, msg)
	}
	for _, r := range in.Receipts {
		typ := r.Type
		if typ == "" {
			typ = "delivered"
		}
		for _, id := range r.IDs {
			out.Receipts = append(out.Receipts, httpapi.SandboxInboxReceipt{ID: id, Chat: r.Chat.String(), From: r.From.String(), Type: typ, Timestamp: r.Timestamp})
		}
	}
	for _, c := range in.Calls {
		out.Calls = append(out.Calls, httpapi.SandboxInboxCall{CallID: c.CallID, From: c.From.String(), Action: c.Action})
	}
	return out
}
