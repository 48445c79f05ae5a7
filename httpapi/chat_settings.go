package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/switchboard/switchboard"
)

type chatFlagRequest struct {
	Number  string `json:"number"`
	Archive *bool  `json:"archive"`
	Pin     *bool  `json:"pin"`
	Read    *bool  `json:"read"`
}

func (r *chatFlagRequest) chatNumber() string { return r.Number }

type archiveResponse struct {
	envelope
	ChatJID  string `json:"chat_jid"`
	Archived bool   `json:"archived"`
}

// handleChatArchive archives or unarchives a chat (RyzeAPI §2.7.9).
func (s *Server) handleChatArchive(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	return s.toggle(w, r, inst, chatToggle{
		set:     func(c chatCall, on bool) error { return c.mc.SetArchived(c.ctx, c.chat, on) },
		failure: "Failed to archive chat", done: "Chat archived successfully", undone: "Chat unarchived successfully",
		answer: func(chat switchboard.JID, on bool, msg string) any {
			return archiveResponse{envelope: ok(msg), ChatJID: chat.String(), Archived: on}
		},
	}, func(r *chatFlagRequest) *bool { return r.Archive })
}

type pinResponse struct {
	envelope
	ChatJID string `json:"chat_jid"`
	Pinned  bool   `json:"pinned"`
}

// handleChatPin pins or unpins a chat (RyzeAPI §2.7.12, served as pin and pinChat).
func (s *Server) handleChatPin(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	return s.toggle(w, r, inst, chatToggle{
		set:     func(c chatCall, on bool) error { return c.mc.SetPinned(c.ctx, c.chat, on) },
		failure: "Failed to pin chat", done: "Chat pinned successfully", undone: "Chat unpinned successfully",
		answer: func(chat switchboard.JID, on bool, msg string) any {
			return pinResponse{envelope: ok(msg), ChatJID: chat.String(), Pinned: on}
		},
	}, func(r *chatFlagRequest) *bool { return r.Pin })
}

type markChatReadResponse struct {
	envelope
	ChatJID string `json:"chat_jid"`
	Read    bool   `json:"read"`
}

// handleChatMarkChatRead marks a whole chat read or unread (RyzeAPI §2.7.11).
func (s *Server) handleChatMarkChatRead(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	return s.toggle(w, r, inst, chatToggle{
		set:     func(c chatCall, on bool) error { return c.mc.MarkChatRead(c.ctx, c.chat, on) },
		failure: "Failed to mark chat", done: "Chat marked as read successfully", undone: "Chat marked as unread successfully",
		answer: func(chat switchboard.JID, on bool, msg string) any {
			return markChatReadResponse{envelope: ok(msg), ChatJID: chat.String(), Read: on}
		},
	}, func(r *chatFlagRequest) *bool { return r.Read })
}

type muteRequest struct {
	Number   string `json:"number"`
	Mute     *bool  `json:"mute"`
	Duration string `json:"duration"`
}

func (r *muteRequest) chatNumber() string { return r.Number }

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
	c, err := s.decodeChat(r, inst, &req)
	if err != nil {
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
	if err := c.mc.SetMuted(c.ctx, c.chat, mute, d); err != nil {
		return sessionFailed("Failed to mute chat", err)
	}
	writeJSON(w, http.StatusOK, muteResponse{envelope: ok(msg), ChatJID: c.chat.String(), Muted: mute, Duration: int64(d / time.Second)})
	return nil
}

type blockRequest struct {
	Number string `json:"number"`
	Block  *bool  `json:"block"`
}

func (r *blockRequest) chatNumber() string { return r.Number }

type blockResponse struct {
	envelope
	ContactJID   string `json:"contact_jid"`
	BlockedCount int    `json:"blocked_count"`
	Blocked      bool   `json:"blocked"`
}

// handleChatBlock blocks or unblocks a contact (RyzeAPI §2.7.15).
func (s *Server) handleChatBlock(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req blockRequest
	c, err := s.decodeChat(r, inst, &req)
	if err != nil {
		return err
	}
	mc, user := c.mc, c.chat
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
