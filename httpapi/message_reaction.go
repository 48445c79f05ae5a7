package httpapi

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/switchboard/switchboard"
)

type sendReactionRequest struct {
	Number      string `json:"number"`
	MessageID   string `json:"messageId"`
	Reaction    string `json:"reaction"`
	FromMe      *bool  `json:"fromMe"`
	Participant string `json:"participant"`
	Source      string `json:"source"`
}

const msgReactionRemoved = "Reaction removed successfully"

// handleSendReaction reacts to a message, or removes the reaction with "remove" (RyzeAPI
// §2.6.6). When fromMe is omitted it is read from the message store. In a group, a reaction to
// someone else's message needs its author (participant), found in the store when not given.
func (s *Server) handleSendReaction(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req sendReactionRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Number) == "" {
		return invalid(msgNumberRequired)
	}
	if strings.TrimSpace(req.MessageID) == "" || len(req.MessageID) > 128 {
		return invalid("messageId is required")
	}
	emoji := strings.TrimSpace(req.Reaction)
	if emoji == "" {
		return invalid("reaction is required: one emoji, or \"remove\"")
	}
	if emoji == "remove" {
		emoji = ""
	} else if utf8.RuneCountInString(emoji) > 10 {
		return invalid("reaction must be one emoji, or \"remove\"")
	}
	if strings.HasSuffix(strings.TrimSpace(req.Number), "@"+switchboard.ServerNewsletter) {
		return invalid("reactions to channel messages are not supported")
	}
	var participant switchboard.JID
	if p := strings.TrimSpace(req.Participant); p != "" {
		var err error
		if participant, err = switchboard.NormalizeUserJID(p); err != nil {
			return invalid("Invalid participant: " + err.Error())
		}
	}
	plan, err := s.prepareSend(r.Context(), inst, sendCommon{Number: req.Number, Source: req.Source}, switchboard.MessageReaction, false)
	if err != nil {
		return err
	}
	fromMe := false
	if req.FromMe != nil {
		fromMe = *req.FromMe
	}
	if s.cfg.Messages != nil {
		if target, err := s.cfg.Messages.Message(r.Context(), inst.ID, req.MessageID); err == nil {
			if req.FromMe == nil {
				fromMe = target.FromMe
			}
			if participant.IsZero() && !target.FromMe {
				participant = target.Sender
			}
		}
	}
	if plan.msg.Chat.IsGroup() && !fromMe && participant.IsZero() {
		return &switchboard.Error{Code: switchboard.CodeInvalid, Message: "participant is required to react to someone else's message in a group"}
	}
	plan.msg.Reaction = &switchboard.Reaction{TargetID: req.MessageID, TargetFromMe: fromMe, TargetSender: participant, Emoji: emoji}
	plan.content = &emoji
	plan.msg.Quote = &switchboard.StoredMessage{ID: req.MessageID} // echoed as replyTo, not sent as a quote
	if emoji == "" {
		plan.answer = msgReactionRemoved
	}
	return s.send(w, r, inst, plan)
}
