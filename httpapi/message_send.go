package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard/switchboard"
)

// sendCommon is the part of a send body shared by the message routes (RyzeAPI §2.6.0).
type sendCommon struct {
	Number       string   `json:"number"`
	Delay        *int     `json:"delay"`
	ReplyTo      string   `json:"replyTo"`
	ReplyPrivate bool     `json:"replyPrivate"`
	Mention      []string `json:"mention"`
	MentionAll   bool     `json:"mentionAll"`
	Source       string   `json:"source"`
}

// maxDelaySeconds bounds `delay`: the typing indicator holds the instance's send queue.
const maxDelaySeconds = 60

const (
	msgMessageSent      = "Message sent successfully"
	msgNumberRequired   = "Number is required"
	msgReplyNotFound    = "replyTo message not found"
	msgMessagesDisabled = "The message store is not available"
)

// sendResponse is the answer of every send route: the documented fields under `data` with
// `status: "sent"`, as the reference's success envelope implies, and `messageId` also at the
// top for clients that look there.
type sendResponse struct {
	envelope
	Status    string   `json:"status"`
	MessageID string   `json:"messageId"`
	Data      sentJSON `json:"data"`
}

type chatJSON struct {
	JID       string `json:"jid"`
	GroupName string `json:"groupName,omitempty"`
}

type senderJSON struct {
	JID string `json:"jid"`
}

type replyJSON struct {
	MessageID string `json:"messageId"`
}

// sentJSON is one message as send routes echo it and getMessage/history list it.
type sentJSON struct {
	MessageID     string                    `json:"messageId"`
	Direction     string                    `json:"direction"`
	Chat          chatJSON                  `json:"chat"`
	Sender        senderJSON                `json:"sender"`
	MessageType   switchboard.MessageType   `json:"messageType"`
	Content       *string                   `json:"content,omitempty"`
	Timestamp     int64                     `json:"timestamp"`
	Source        string                    `json:"source,omitempty"`
	Status        switchboard.MessageStatus `json:"status"`
	Mentions      []string                  `json:"mentions,omitempty"`
	ReplyTo       *replyJSON                `json:"replyTo,omitempty"`
	MediaURL      string                    `json:"mediaUrl,omitempty"`
	MediaMimeType string                    `json:"mediaMimeType,omitempty"`
	MediaSize     uint64                    `json:"mediaSize,omitempty"`
	MediaDuration uint32                    `json:"mediaDuration,omitempty"`
	FileName      string                    `json:"fileName,omitempty"`
	IsVoice       bool                      `json:"isVoice,omitempty"`
	Edited        bool                      `json:"edited,omitempty"`
	Deleted       bool                      `json:"deleted,omitempty"`
	Extra         json.RawMessage           `json:"extra,omitempty"`
}

// sendPlan is a validated send: the message, the client that sends it, and what to store.
type sendPlan struct {
	mc      switchboard.MessageClient
	msg     switchboard.OutgoingMessage
	source  string
	content *string
	extra   any // route-specific fields echoed in data.extra and stored as the payload
	answer  string
	group   string // the group's name, for chat.groupName
}

// prepareSend validates the common fields and resolves the recipient: parse the number in
// every documented form, check it is on WhatsApp, find the quoted message, expand mentions.
// allowed lists which of the shared optional fields the route takes.
func (s *Server) prepareSend(ctx context.Context, inst *switchboard.Instance, c sendCommon, typ switchboard.MessageType, mentions bool) (*sendPlan, error) {
	number := strings.TrimSpace(c.Number)
	if number == "" {
		return nil, invalid(msgNumberRequired)
	}
	to, err := switchboard.ParseRecipient(number)
	if err != nil {
		return nil, invalid("Invalid number: " + err.Error())
	}
	if c.Delay != nil && (*c.Delay < 0 || *c.Delay > maxDelaySeconds) {
		return nil, invalid("delay must be between 0 and 60 seconds")
	}
	if !mentions && (len(c.Mention) > 0 || c.MentionAll) {
		return nil, invalid("mention and mentionAll are not supported on this route")
	}
	if len(c.Source) > 100 {
		return nil, invalid("source must be at most 100 characters")
	}
	mentionJIDs := make([]switchboard.JID, 0, len(c.Mention))
	for _, m := range c.Mention {
		j, err := switchboard.NormalizeUserJID(m)
		if err != nil {
			return nil, invalid("Invalid mention: use phone numbers with country code")
		}
		mentionJIDs = append(mentionJIDs, j)
	}
	if (len(mentionJIDs) > 0 || c.MentionAll) && !to.IsGroup() {
		return nil, invalid("mention and mentionAll are only for groups")
	}
	mc, err := s.messageClient(inst)
	if err != nil {
		return nil, err
	}
	plan := &sendPlan{mc: mc, source: c.Source}
	if plan.source == "" {
		plan.source = "api"
	}
	if c.ReplyTo != "" {
		if s.cfg.Messages == nil {
			return nil, switchboard.Errorf(switchboard.CodeUnavailable, msgMessagesDisabled)
		}
		q, err := s.cfg.Messages.Message(ctx, inst.ID, c.ReplyTo)
		if switchboard.IsCode(err, switchboard.CodeNotFound) {
			return nil, switchboard.Errorf(switchboard.CodeNotFound, msgReplyNotFound)
		} else if err != nil {
			return nil, err
		}
		plan.msg.Quote = q
		if c.ReplyPrivate && q.Chat.IsGroup() && q.Chat == to && !q.FromMe && q.Sender.IsUser() {
			to = q.Sender.ToNonAD()
		}
	}
	if to.Server == switchboard.ServerUser {
		if to, err = mc.ResolveRecipient(ctx, to); err != nil {
			return nil, err
		}
	}
	if to.IsGroup() {
		if gc, err := s.cfg.Sessions.Groups(inst); err == nil {
			if g, err := gc.GroupInfo(ctx, to); err == nil {
				plan.group = g.Name
				if c.MentionAll {
					for _, p := range g.Participants {
						j := p.PhoneNumber
						if j.IsZero() {
							j = p.JID
						}
						mentionJIDs = append(mentionJIDs, j.ToNonAD())
					}
				}
			} else if switchboard.IsCode(err, switchboard.CodeNotFound) || switchboard.IsCode(err, switchboard.CodeForbidden) {
				return nil, err
			}
		}
	}
	plan.msg.Chat = to
	plan.msg.Type = typ
	plan.msg.Mentions = mentionJIDs
	if c.Delay != nil {
		plan.msg.Typing = time.Duration(*c.Delay) * time.Second
	}
	return plan, nil
}

// messageClient is the instance's message client, or the not-connected error.
func (s *Server) messageClient(inst *switchboard.Instance) (switchboard.MessageClient, error) {
	mc, err := s.cfg.Sessions.Messages(inst)
	if err != nil {
		return nil, sessionFailed("Instance is not connected to WhatsApp", err)
	}
	return mc, nil
}

// send runs a prepared send and writes the answer. The message id is fixed here, before the
// first attempt, and the send itself is detached from the request: a client that hangs up
// mid-send does not cut a message in half, and an Idempotency-Key repeat replays this answer
// instead of sending again.
func (s *Server) send(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance, plan *sendPlan) error {
	stored, err := s.deliver(r, inst, plan)
	if err != nil {
		return err
	}
	out := messageJSON(stored)
	out.Mentions = jidStrings(plan.msg.Mentions)
	if plan.msg.Quote != nil {
		out.ReplyTo = &replyJSON{MessageID: plan.msg.Quote.ID}
	}
	out.Chat.GroupName = plan.group
	answer := plan.answer
	if answer == "" {
		answer = msgMessageSent
	}
	writeJSON(w, http.StatusOK, sendResponse{envelope: ok(answer), Status: "sent", MessageID: stored.ID, Data: out})
	return nil
}

// deliver runs a prepared send through the instance's queue and stores the sent message.
func (s *Server) deliver(r *http.Request, inst *switchboard.Instance, plan *sendPlan) (*switchboard.StoredMessage, error) {
	reportProgress(r.Context(), 0, 1) // validated: an async request answers 202 from here
	id := plan.mc.NewMessageID()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), sendTimeout(plan.msg.Typing))
	defer cancel()
	plan.msg.Source = plan.source
	sent, err := plan.mc.Send(ctx, id, plan.msg)
	if err != nil {
		return nil, sessionFailed("Failed to send message", err)
	}
	stored := s.storeSent(ctx, inst, plan, sent)
	reportProgress(r.Context(), 1, 1)
	return stored, nil
}

// sendTimeout bounds one send: the queue, the typing delay, an upload and a reconnect wait.
func sendTimeout(typing time.Duration) time.Duration { return 3*time.Minute + typing }

// storeSent records a sent message; a store failure is logged, not reported: the message is on
// its way and the caller must not retry it.
func (s *Server) storeSent(ctx context.Context, inst *switchboard.Instance, plan *sendPlan, sent *switchboard.SentMessage) *switchboard.StoredMessage {
	m := &switchboard.StoredMessage{
		InstanceID: inst.ID, ID: sent.ID, Chat: sent.Chat, Sender: sent.Sender, FromMe: true,
		Timestamp: sent.Timestamp, Type: plan.msg.Type, Source: plan.source,
		Status: switchboard.StatusServerAck, Media: sent.Media, PollSecret: sent.PollSecret,
	}
	if plan.content != nil {
		m.Content = *plan.content
	}
	if plan.msg.Quote != nil {
		m.QuotedID = plan.msg.Quote.ID
	}
	if plan.extra != nil {
		m.Payload, _ = json.Marshal(plan.extra)
	}
	if s.cfg.Messages != nil {
		if err := s.cfg.Messages.SaveMessage(ctx, m); err != nil {
			s.log.Warn("storing a sent message", "instance", inst.Name, "id", sent.ID, "err", err)
		}
	}
	return m
}

// messageJSON renders a stored message.
func messageJSON(m *switchboard.StoredMessage) sentJSON {
	out := sentJSON{
		MessageID: m.ID, Direction: "incoming", Chat: chatJSON{JID: m.Chat.String()},
		Sender: senderJSON{JID: m.Sender.String()}, MessageType: m.Type,
		Timestamp: m.Timestamp.Unix(), Source: m.Source, Status: m.Status,
		Edited: m.Edited, Deleted: m.Revoked,
	}
	if m.FromMe {
		out.Direction = "outgoing"
	}
	if m.Type != switchboard.MessageSticker {
		content := m.Content
		out.Content = &content
	}
	if m.QuotedID != "" {
		out.ReplyTo = &replyJSON{MessageID: m.QuotedID}
	}
	if md := m.Media; md != nil {
		out.MediaURL, out.MediaMimeType, out.MediaSize = md.URL, md.Mimetype, md.FileLength
		out.MediaDuration, out.FileName, out.IsVoice = md.Seconds, md.FileName, md.PTT
	}
	if len(m.Payload) > 0 && json.Valid(m.Payload) {
		out.Extra = m.Payload
	}
	return out
}

func jidStrings(js []switchboard.JID) []string {
	if len(js) == 0 {
		return nil
	}
	out := make([]string, len(js))
	for i, j := range js {
		out[i] = j.String()
	}
	return out
}
