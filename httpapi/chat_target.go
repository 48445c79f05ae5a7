package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/switchboard/switchboard"
)

// chatBody is a chat route's JSON body that names its chat in `number`.
type chatBody interface{ chatNumber() string }

// chatCall is a chat route's request once its prologue has run: the decoded body already
// filled, the instance's client, and the chat it names.
type chatCall struct {
	ctx  context.Context
	mc   switchboard.MessageClient
	chat switchboard.JID
}

// decodeChat is the prologue of the chat routes that take a JSON body with `number`: decode
// the body into req, then resolve the chat with the module's errors (400 number, 503 not
// connected, 404 not on WhatsApp).
func (s *Server) decodeChat(r *http.Request, inst *switchboard.Instance, req chatBody) (chatCall, error) {
	if err := decodeJSON(r, req); err != nil {
		return chatCall{}, err
	}
	mc, chat, err := s.chatTarget(r, inst, req.chatNumber())
	return chatCall{ctx: r.Context(), mc: mc, chat: chat}, err
}

// chatTarget reads `number` as a chat and the instance's client, with the chat module's errors;
// phone numbers are checked with WhatsApp like send recipients.
func (s *Server) chatTarget(r *http.Request, inst *switchboard.Instance, number string) (switchboard.MessageClient, switchboard.JID, error) {
	if strings.TrimSpace(number) == "" {
		return nil, switchboard.JID{}, invalid(msgNumberRequired)
	}
	chat, err := switchboard.ParseRecipient(number)
	if err != nil {
		return nil, switchboard.JID{}, invalid("Invalid number: " + err.Error())
	}
	mc, err := s.chatMessageClient(inst)
	if err != nil {
		return nil, switchboard.JID{}, err
	}
	if chat.Server == switchboard.ServerUser {
		if chat, err = mc.ResolveRecipient(r.Context(), chat); err != nil {
			return nil, switchboard.JID{}, err
		}
	}
	return mc, chat, nil
}

// chatToggle is a chat setting switched on or off by one boolean field that defaults to on
// (archive, pin, markChatRead): what to call, and the answer's wording for each state.
type chatToggle struct {
	set          func(c chatCall, on bool) error
	failure      string
	done, undone string
	answer       func(chat switchboard.JID, on bool, msg string) any
}

// toggle runs a chatToggle for one request; field picks the request's boolean.
func (s *Server) toggle(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance, t chatToggle, field func(*chatFlagRequest) *bool) error {
	var req chatFlagRequest
	c, err := s.decodeChat(r, inst, &req)
	if err != nil {
		return err
	}
	on := field(&req) == nil || *field(&req)
	if err := t.set(c, on); err != nil {
		return sessionFailed(t.failure, err)
	}
	msg := t.done
	if !on {
		msg = t.undone
	}
	writeJSON(w, http.StatusOK, t.answer(c.chat, on, msg))
	return nil
}
