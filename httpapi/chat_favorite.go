package httpapi

import (
	"net/http"
	"strings"

	"github.com/switchboard/switchboard"
)

type favoriteRequest struct {
	Number    string `json:"number"`
	MessageID string `json:"messageId"`
	Favorite  *bool  `json:"favorite"`
}

type favoriteResponse struct {
	envelope
	Type      string `json:"type"`
	MessageID string `json:"message_id,omitempty"`
	ChatJID   string `json:"chat_jid"`
	Favorite  bool   `json:"favorite"`
}

// handleChatFavorite stars or unstars a message (messageId wins when both are sent), or adds a
// chat to or removes it from WhatsApp's Favorites (RyzeAPI §2.7.13). `favorite` defaults to
// true, like the other chat switches.
func (s *Server) handleChatFavorite(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req favoriteRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	fav := req.Favorite == nil || *req.Favorite
	id := strings.TrimSpace(req.MessageID)
	if id == "" {
		if strings.TrimSpace(req.Number) == "" {
			return invalid("Either number or messageId is required")
		}
		return s.favoriteChat(w, r, inst, req.Number, fav)
	}
	if len(id) > maxMessageIDLength {
		return invalid("messageId is too long")
	}
	m, mc, err := s.storedTarget(r, inst, id, "Message not found")
	if err != nil {
		return err
	}
	if err := mc.SetStarred(r.Context(), messageKey(m), fav); err != nil {
		return sessionFailed("Failed to update favorite", err)
	}
	msg := "Message added to favorites successfully"
	if !fav {
		msg = "Message removed from favorites successfully"
	}
	writeJSON(w, http.StatusOK, favoriteResponse{envelope: ok(msg), Type: "message", MessageID: m.ID, ChatJID: m.Chat.String(), Favorite: fav})
	return nil
}

// favoriteChat adds a chat to WhatsApp's Favorites or removes it. WhatsApp keeps Favorites as
// one list value, so the whole list is written: the chats the gateway knows as favorites (from
// this route), in the order they were added.
func (s *Server) favoriteChat(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance, number string, fav bool) error {
	mc, chat, err := s.chatTarget(r, inst, number)
	if err != nil {
		return err
	}
	if s.cfg.Labels == nil {
		return switchboard.Errorf(switchboard.CodeUnavailable, msgLabelsDisabled)
	}
	list, err := s.cfg.Labels.FavoriteChats(r.Context(), inst.ID)
	if err != nil {
		return err
	}
	next := make([]switchboard.JID, 0, len(list)+1)
	for _, j := range list {
		if j != chat {
			next = append(next, j)
		}
	}
	if fav {
		next = append(next, chat)
	}
	if err := mc.SetFavoriteChats(r.Context(), next); err != nil {
		return sessionFailed("Failed to update favorite", err)
	}
	ctx, cancel := detached(r.Context())
	defer cancel()
	if err := s.cfg.Labels.SetFavoriteChat(ctx, inst.ID, chat, fav); err != nil {
		return err
	}
	msg := "Chat added to favorites successfully"
	if !fav {
		msg = "Chat removed from favorites successfully"
	}
	writeJSON(w, http.StatusOK, favoriteResponse{envelope: ok(msg), Type: "chat", ChatJID: chat.String(), Favorite: fav})
	return nil
}
