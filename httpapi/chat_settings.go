package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard/switchboard"
)

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

type chatFlagRequest struct {
	Number  string `json:"number"`
	Archive *bool  `json:"archive"`
	Pin     *bool  `json:"pin"`
	Read    *bool  `json:"read"`
}

type archiveResponse struct {
	envelope
	ChatJID  string `json:"chat_jid"`
	Archived bool   `json:"archived"`
}

// handleChatArchive archives or unarchives a chat (RyzeAPI §2.7.9).
func (s *Server) handleChatArchive(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req chatFlagRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	mc, chat, err := s.chatTarget(r, inst, req.Number)
	if err != nil {
		return err
	}
	archive := req.Archive == nil || *req.Archive
	if err := mc.SetArchived(r.Context(), chat, archive); err != nil {
		return sessionFailed("Failed to archive chat", err)
	}
	msg := "Chat archived successfully"
	if !archive {
		msg = "Chat unarchived successfully"
	}
	writeJSON(w, http.StatusOK, archiveResponse{envelope: ok(msg), ChatJID: chat.String(), Archived: archive})
	return nil
}

type pinResponse struct {
	envelope
	ChatJID string `json:"chat_jid"`
	Pinned  bool   `json:"pinned"`
}

// handleChatPin pins or unpins a chat (RyzeAPI §2.7.12, served as pin and pinChat).
func (s *Server) handleChatPin(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req chatFlagRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	mc, chat, err := s.chatTarget(r, inst, req.Number)
	if err != nil {
		return err
	}
	pin := req.Pin == nil || *req.Pin
	if err := mc.SetPinned(r.Context(), chat, pin); err != nil {
		return sessionFailed("Failed to pin chat", err)
	}
	msg := "Chat pinned successfully"
	if !pin {
		msg = "Chat unpinned successfully"
	}
	writeJSON(w, http.StatusOK, pinResponse{envelope: ok(msg), ChatJID: chat.String(), Pinned: pin})
	return nil
}

type markChatReadResponse struct {
	envelope
	ChatJID string `json:"chat_jid"`
	Read    bool   `json:"read"`
}

// handleChatMarkChatRead marks a whole chat read or unread (RyzeAPI §2.7.11).
func (s *Server) handleChatMarkChatRead(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req chatFlagRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	mc, chat, err := s.chatTarget(r, inst, req.Number)
	if err != nil {
		return err
	}
	read := req.Read == nil || *req.Read
	if err := mc.MarkChatRead(r.Context(), chat, read); err != nil {
		return sessionFailed("Failed to mark chat", err)
	}
	msg := "Chat marked as read successfully"
	if !read {
		msg = "Chat marked as unread successfully"
	}
	writeJSON(w, http.StatusOK, markChatReadResponse{envelope: ok(msg), ChatJID: chat.String(), Read: read})
	return nil
}

type muteRequest struct {
	Number   string `json:"number"`
	Mute     *bool  `json:"mute"`
	Duration string `json:"duration"`
}

type muteResponse struct {
	envelope
	ChatJID  string `json:"chat_jid"`
	Muted    bool   `json:"muted"`
	Duration int64  `json:"duration"`
}

// muteDuration reads the reference's duration words: 8h / 8 hours, 1w / 7d / 1 week, and
// always / forever / permanent / empty for no expiry.
func muteDuration(v string) (time.Duration, string, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "always", "forever", "permanent":
		return 0, "Chat muted permanently", nil
	case "8h", "8 hours":
		return 8 * time.Hour, "Chat muted for 8 hours", nil
	case "1w", "7d", "1 week":
		return 7 * 24 * time.Hour, "Chat muted for 1 week", nil
	}
	return 0, "", invalid("Invalid duration: use 8h, 1w or always")
}

// handleChatMute mutes or unmutes a chat (RyzeAPI §2.7.14).
func (s *Server) handleChatMute(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req muteRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	mute := req.Mute == nil || *req.Mute
	d, msg, err := muteDuration(req.Duration)
	if !mute {
		d, msg, err = 0, "Chat notifications unmuted successfully", nil
	}
	if err != nil {
		return err
	}
	mc, chat, err := s.chatTarget(r, inst, req.Number)
	if err != nil {
		return err
	}
	if err := mc.SetMuted(r.Context(), chat, mute, d); err != nil {
		return sessionFailed("Failed to mute chat", err)
	}
	writeJSON(w, http.StatusOK, muteResponse{envelope: ok(msg), ChatJID: chat.String(), Muted: mute, Duration: int64(d / time.Second)})
	return nil
}

type blockRequest struct {
	Number string `json:"number"`
	Block  *bool  `json:"block"`
}

type blockResponse struct {
	envelope
	ContactJID   string `json:"contact_jid"`
	BlockedCount int    `json:"blocked_count"`
	Blocked      bool   `json:"blocked"`
}

// handleChatBlock blocks or unblocks a contact (RyzeAPI §2.7.15).
func (s *Server) handleChatBlock(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req blockRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	mc, user, err := s.chatTarget(r, inst, req.Number)
	if err != nil {
		return err
	}
	if !user.IsUser() {
		return invalid("Only contacts can be blocked")
	}
	block := req.Block == nil || *req.Block
	n, err := mc.SetBlocked(r.Context(), user, block)
	if err != nil {
		return sessionFailed("Failed to update the blocklist", err)
	}
	msg := "Contact blocked successfully"
	if !block {
		msg = "Contact unblocked successfully"
	}
	writeJSON(w, http.StatusOK, blockResponse{envelope: ok(msg), ContactJID: user.String(), BlockedCount: n, Blocked: block})
	return nil
}

type presenceRequest struct {
	Number   string `json:"number"`
	State    string `json:"state"`
	Duration int    `json:"duration"`
}

type presenceResponse struct {
	envelope
	ChatJID  string `json:"chat_jid"`
	State    string `json:"state"`
	Duration int    `json:"duration"`
}

// handleChatPresence shows typing or recording in a chat, or clears it (RyzeAPI §2.7.16). With
// a duration (at most 60 s) a pause follows automatically, in the background.
func (s *Server) handleChatPresence(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req presenceRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Number) == "" {
		return invalid(msgNumberRequired)
	}
	var state switchboard.ChatPresence
	switch strings.ToLower(strings.TrimSpace(req.State)) {
	case "":
		return invalid("State is required. Use 'typing', 'recording', or 'pause'")
	case "typing", "composing":
		state = switchboard.PresenceTyping
	case "recording":
		state = switchboard.PresenceRecording
	case "pause", "paused":
		state = switchboard.PresencePaused
	default:
		return invalid("Invalid state. Use 'typing', 'recording', or 'pause'")
	}
	if req.Duration < 0 {
		return invalid("duration must not be negative")
	}
	d := min(req.Duration, 60)
	if state == switchboard.PresencePaused {
		d = 0
	}
	mc, chat, err := s.chatTarget(r, inst, req.Number)
	if err != nil {
		return err
	}
	if err := mc.SetChatPresence(r.Context(), chat, state); err != nil {
		return sessionFailed("Failed to send presence", err)
	}
	if d > 0 {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), time.Duration(d)*time.Second+detachedWriteTimeout)
		go func() {
			defer cancel()
			t := time.NewTimer(time.Duration(d) * time.Second)
			defer t.Stop()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if err := mc.SetChatPresence(ctx, chat, switchboard.PresencePaused); err != nil {
				s.log.Debug("automatic pause after a presence", "err", err)
			}
		}()
	}
	writeJSON(w, http.StatusOK, presenceResponse{envelope: ok("Presence sent successfully"), ChatJID: chat.String(), State: string(state), Duration: d})
	return nil
}
