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

// The phone routes of httpapi.Sandbox (messages, inbox, receipts, presence, calls): what a
// simulated phone does on the caller's behalf.

func (s sandbox) SendMessage(ctx context.Context, from string, m httpapi.SandboxMessage) (string, error) {
	id, err := s.sim.PhoneSendMessage(ctx, from, phoneMessageOf(m))
	if err != nil {
		return "", sandboxError(err, "")
	}
	return id, nil
}

func (s sandbox) Inbox(ctx context.Context, phone string, since time.Time) (httpapi.SandboxInbox, error) {
	in, err := s.sim.Inbox(ctx, phone, since)
	if err != nil {
		return httpapi.SandboxInbox{}, sandboxError(err, "")
	}
	return sandboxInboxOf(in), nil
}

func (s sandbox) SendReceipts(ctx context.Context, phone, chat string, ids []string, typ string) error {
	jid, err := types.ParseJID(chat)
	if err != nil {
		return switchboard.Errorf(switchboard.CodeInvalid, "chat must be a phone number, a user JID or a group JID")
	}
	return sandboxError(s.sim.PhoneReceipt(ctx, phone, jid, ids, typ), "")
}

func (s sandbox) SetPresence(ctx context.Context, phone, to, state string) error {
	return sandboxError(s.sim.PhonePresence(ctx, phone, to, state), "")
}

func (s sandbox) Call(ctx context.Context, from, to, action, callID string) (string, error) {
	jid, err := types.ParseJID(to)
	if err != nil {
		return "", switchboard.Errorf(switchboard.CodeInvalid, "to must be a phone number or a user JID")
	}
	id, err := s.sim.PhoneCall(ctx, from, jid, action, callID)
	if err != nil {
		return "", sandboxError(err, "")
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
