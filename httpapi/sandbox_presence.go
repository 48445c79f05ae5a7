package httpapi

import (
	"net/http"
	"strings"
)

type sandboxPresenceRequest struct {
	Phone string `json:"phone"`
	To    string `json:"to"`
	State string `json:"state"`
}

// handleSandboxPresence sets a phone's presence (available, unavailable: seen by whoever
// subscribed to it, as on WhatsApp) or its chat state in one chat of the caller's (composing,
// recording, paused).
func (s *Server) handleSandboxPresence(w http.ResponseWriter, r *http.Request) error {
	var req sandboxPresenceRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	phone, err := sandboxPhone("phone", req.Phone)
	if err != nil {
		return err
	}
	var to string
	switch req.State {
	case "available", "unavailable":
	case "composing", "recording", "paused":
		if strings.TrimSpace(req.To) == "" {
			return invalid("to is required for composing, recording and paused")
		}
		if to, err = sandboxChat("to", req.To); err != nil {
			return err
		}
	default:
		return invalid("state must be available, unavailable, composing, recording or paused")
	}
	account := principalFrom(r.Context()).accountID
	if err := s.ownPhone(r.Context(), account, phone, false); err != nil {
		return err
	}
	if to != "" {
		if err := s.ownChat(r.Context(), account, to); err != nil {
			return err
		}
	}
	if err := s.cfg.Sandbox.SetPresence(r.Context(), phone, to, req.State); err != nil {
		return sessionFailed("Sandbox presence failed", err)
	}
	writeJSON(w, http.StatusOK, ok("Presence sent"))
	return nil
}
