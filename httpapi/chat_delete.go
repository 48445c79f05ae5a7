package httpapi

import (
	"net/http"

	"github.com/switchboard/switchboard"
)

type deleteChatRequest struct {
	Number      string `json:"number"`
	DeleteMedia bool   `json:"deleteMedia"`
}

func (r *deleteChatRequest) chatNumber() string { return r.Number }

type deleteChatResponse struct {
	envelope
	ChatJID     string `json:"chat_jid"`
	DeleteMedia bool   `json:"delete_media"`
}

// handleChatDeleteChat deletes a chat on this account's devices through app state (RyzeAPI
// §2.7.24); a group is not left. deleteMedia is passed to WhatsApp (the devices drop the
// chat's media too); the gateway keeps no media bytes of its own to remove.
func (s *Server) handleChatDeleteChat(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req deleteChatRequest
	c, err := s.decodeChat(r, inst, &req)
	if err != nil {
		return err
	}
	if err := c.mc.DeleteChat(c.ctx, c.chat, req.DeleteMedia); err != nil {
		return sessionFailed("Failed to delete chat", err)
	}
	msg := "Chat deleted successfully"
	if req.DeleteMedia {
		msg = "Chat deleted successfully (including media)"
	}
	writeJSON(w, http.StatusOK, deleteChatResponse{envelope: ok(msg), ChatJID: c.chat.String(), DeleteMedia: req.DeleteMedia})
	return nil
}
