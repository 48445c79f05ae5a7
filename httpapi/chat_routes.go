package httpapi

import (
	"net/http"

	"github.com/switchboard/switchboard"
)

// chatRoutes registers the chat routes of RyzeAPI section 2.7 that work on messages. Edit is
// not idempotent in the reference, nor are forwarding and creating a tag, so they honour Idempotency-Key like the
// sends.
func (s *Server) chatRoutes(opts routeOptions) {
	once := opts
	once.idempotent = true
	s.handle("GET /api/chat/getMessage/{instance}", s.authedInstance(opts, s.handleChatGetMessage))
	s.handle("POST /api/chat/history/{instance}", s.authedInstance(opts, s.handleChatHistory))
	s.handle("GET /api/chat/status/{instance}", s.authedInstance(opts, s.handleChatStatus))
	s.handle("GET /api/chat/base64/{instance}", s.authedInstance(opts, s.handleChatBase64))
	s.handle("POST /api/chat/markRead/{instance}", s.authedInstance(opts, s.handleChatMarkRead))
	s.handle("POST /api/chat/edit/{instance}", s.authedInstance(once, s.handleChatEdit))
	s.handle("DELETE /api/chat/delete/{instance}", s.authedInstance(opts, s.handleChatDelete))
	s.handle("POST /api/chat/archive/{instance}", s.authedInstance(opts, s.handleChatArchive))
	s.handle("POST /api/chat/pin/{instance}", s.authedInstance(opts, s.handleChatPin))
	s.handle("POST /api/chat/pinChat/{instance}", s.authedInstance(opts, s.handleChatPin))
	s.handle("POST /api/chat/markChatRead/{instance}", s.authedInstance(opts, s.handleChatMarkChatRead))
	s.handle("POST /api/chat/mute/{instance}", s.authedInstance(opts, s.handleChatMute))
	s.handle("POST /api/chat/block/{instance}", s.authedInstance(opts, s.handleChatBlock))
	s.handle("POST /api/chat/presence/{instance}", s.authedInstance(opts, s.handleChatPresence))
	s.handle("POST /api/chat/favorite/{instance}", s.authedInstance(opts, s.handleChatFavorite))
	s.handle("DELETE /api/chat/deleteChat/{instance}", s.authedInstance(opts, s.handleChatDeleteChat))
	s.handle("POST /api/chat/forward/{instance}", s.authedInstance(once, s.handleChatForward))
	s.handle("GET /api/chat/tag/{instance}", s.authedInstance(opts, s.handleChatTagList))
	s.handle("POST /api/chat/tag/{instance}", s.authedInstance(once, s.handleChatTagCreate))
	s.handle("DELETE /api/chat/tag/{instance}", s.authedInstance(opts, s.handleChatTagDelete))
	s.handle("POST /api/chat/assignTag/{instance}", s.authedInstance(opts, s.handleChatAssignTag))
	s.handle("DELETE /api/chat/assignTag/{instance}", s.authedInstance(opts, s.handleChatUnassignTag))
	s.handle("GET /api/chat/poll/{instance}", s.authedInstance(opts, s.handleChatPoll))
	s.handle("GET /api/chat/contacts/{instance}", s.authedInstance(opts, s.handleChatContacts))
	s.handle("GET /api/chat/contactsByLabel/{instance}", s.authedInstance(opts, s.handleChatContactsByLabel))
}

// The chat module answers 503 when the instance has no session (§2.7.0), unlike the others.
var errChatNotConnected = &switchboard.Error{Code: switchboard.CodeUnavailable, Message: "Instance is not connected to WhatsApp"}

// chatMessageClient is the instance's message client with the chat module's 503.
func (s *Server) chatMessageClient(inst *switchboard.Instance) (switchboard.MessageClient, error) {
	mc, err := s.cfg.Sessions.Messages(inst)
	if err != nil {
		if switchboard.IsCode(err, switchboard.CodeNotConnected) {
			return nil, errChatNotConnected
		}
		return nil, sessionFailed("Instance is not connected to WhatsApp", err)
	}
	return mc, nil
}

// storedTarget is the prologue of the chat routes that act on one stored message: the message
// (404 with notFound) and the instance's client (503 when not connected).
func (s *Server) storedTarget(r *http.Request, inst *switchboard.Instance, id, notFound string) (*switchboard.StoredMessage, switchboard.MessageClient, error) {
	m, err := s.storedMessage(r, inst, id, notFound)
	if err != nil {
		return nil, nil, err
	}
	mc, err := s.chatMessageClient(inst)
	return m, mc, err
}

// messageKey names a stored message for the app-state actions.
func messageKey(m *switchboard.StoredMessage) switchboard.MessageKey {
	return switchboard.MessageKey{Chat: m.Chat, Sender: m.Sender, ID: m.ID, FromMe: m.FromMe}
}

// storedMessage finds a message of the instance, with notFound as the 404's message.
func (s *Server) storedMessage(r *http.Request, inst *switchboard.Instance, id, notFound string) (*switchboard.StoredMessage, error) {
	if s.cfg.Messages == nil {
		return nil, switchboard.Errorf(switchboard.CodeUnavailable, msgMessagesDisabled)
	}
	m, err := s.cfg.Messages.Message(r.Context(), inst.ID, id)
	if switchboard.IsCode(err, switchboard.CodeNotFound) {
		return nil, switchboard.Errorf(switchboard.CodeNotFound, "%s", notFound)
	}
	return m, err
}
