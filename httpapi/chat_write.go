package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/switchboard/switchboard"
)

type markReadRequest struct {
	MessageID string `json:"messageId"`
	Number    string `json:"number"`
	Sender    string `json:"sender"`
}

type markReadResponse struct {
	envelope
	MessageID string `json:"message_id"`
	ChatJID   string `json:"chat_jid"`
}

// handleChatMarkRead sends a read receipt for one message (RyzeAPI §2.7.10). In a group the
// author is needed; it is taken from the message store when `sender` is omitted.
func (s *Server) handleChatMarkRead(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req markReadRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	id := strings.TrimSpace(req.MessageID)
	if id == "" || len(id) > maxMessageIDLength {
		return invalid("messageId is required")
	}
	mc, chat, err := s.chatTarget(r, inst, req.Number)
	if err != nil {
		return err
	}
	var sender switchboard.JID
	if strings.TrimSpace(req.Sender) != "" {
		if sender, err = switchboard.NormalizeUserJID(req.Sender); err != nil {
			return invalid("Invalid sender: " + err.Error())
		}
	}
	if chat.IsGroup() && sender.IsZero() && s.cfg.Messages != nil {
		if m, err := s.cfg.Messages.Message(r.Context(), inst.ID, id); err == nil && m.Chat == chat {
			sender = m.Sender
		}
	}
	if chat.IsGroup() && sender.IsZero() {
		return invalid("sender is required for group messages")
	}
	if err := mc.MarkRead(r.Context(), chat, sender, []string{id}); err != nil {
		return sessionFailed("Failed to mark the message as read", err)
	}
	writeJSON(w, http.StatusOK, markReadResponse{envelope: ok("Message marked as read successfully"), MessageID: id, ChatJID: chat.String()})
	return nil
}

type editRequest struct {
	MessageID string `json:"messageId"`
	Content   string `json:"content"`
}

type editResponse struct {
	envelope
	MessageID  string `json:"messageId"`
	ChatJID    string `json:"chatJid"`
	OldContent string `json:"oldContent"`
	NewContent string `json:"newContent"`
}

// editWindow is how long after sending WhatsApp accepts an edit.
const editWindow = 15 * time.Minute

// handleChatEdit replaces the text of one of the instance's own text messages (§2.7.22).
func (s *Server) handleChatEdit(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req editRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	id := strings.TrimSpace(req.MessageID)
	if id == "" || len(id) > maxMessageIDLength {
		return invalid("messageId is required")
	}
	if strings.TrimSpace(req.Content) == "" {
		return invalid("content is required")
	}
	if len([]rune(req.Content)) > maxTextLength {
		return invalid("content must be at most 65536 characters")
	}
	m, mc, err := s.storedTarget(r, inst, id, "Instance not found or message not found")
	if err != nil {
		return err
	}
	switch {
	case !m.FromMe || m.Type != switchboard.MessageText:
		return invalid("can only edit text messages sent by this instance")
	case time.Since(m.Timestamp) > editWindow:
		return invalid("message is too old to edit (WhatsApp allows 15 minutes)")
	case m.Revoked:
		return invalid("can only edit messages that were not deleted")
	}
	ctx, cancel := detached(r.Context())
	defer cancel()
	if _, err := mc.Edit(ctx, m.Chat, m.ID, req.Content); err != nil {
		return sessionFailed("Failed to edit message", err)
	}
	if err := s.cfg.Messages.MarkMessage(ctx, inst.ID, m.ID, true, req.Content, false); err != nil {
		s.log.Warn("storing an edit", "instance", inst.Name, "err", err)
	}
	writeJSON(w, http.StatusOK, editResponse{envelope: ok("Message edited successfully"), MessageID: m.ID,
		ChatJID: m.Chat.String(), OldContent: m.Content, NewContent: req.Content})
	return nil
}

type deleteMessageRequest struct {
	MessageID         string `json:"messageId"`
	DeleteForEveryone bool   `json:"deleteForEveryone"`
}

type deleteMessageResponse struct {
	envelope
	MessageID  string `json:"message_id"`
	ChatJID    string `json:"chat_jid"`
	DeleteType string `json:"delete_type"`
}

// handleChatDelete deletes a message for everyone, or only on this account's devices through
// app state (§2.7.23). Deleting for me leaves the stored copy in the message store (history is
// the gateway's record, not the phone's view).
func (s *Server) handleChatDelete(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req deleteMessageRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	id := strings.TrimSpace(req.MessageID)
	if id == "" || len(id) > maxMessageIDLength {
		return invalid("MessageID is required")
	}
	m, mc, err := s.storedTarget(r, inst, id, "message not found")
	if err != nil {
		return err
	}
	if !req.DeleteForEveryone {
		if err := mc.DeleteForMe(r.Context(), messageKey(m), m.Timestamp); err != nil {
			return sessionFailed("Failed to delete message", err)
		}
		writeJSON(w, http.StatusOK, deleteMessageResponse{envelope: ok("Message deleted for me successfully"),
			MessageID: m.ID, ChatJID: m.Chat.String(), DeleteType: "delete_for_me"})
		return nil
	}
	ctx, cancel := detached(r.Context())
	defer cancel()
	sender := switchboard.JID{}
	if !m.FromMe {
		sender = m.Sender
	}
	if _, err := mc.Revoke(ctx, m.Chat, sender, m.ID); err != nil {
		return sessionFailed("Failed to delete message", err)
	}
	if err := s.cfg.Messages.MarkMessage(ctx, inst.ID, m.ID, false, "", true); err != nil {
		s.log.Warn("storing a deletion", "instance", inst.Name, "err", err)
	}
	writeJSON(w, http.StatusOK, deleteMessageResponse{envelope: ok("Message deleted for everyone successfully"),
		MessageID: m.ID, ChatJID: m.Chat.String(), DeleteType: "revoke"})
	return nil
}
