package httpapi

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/switchboard/switchboard"
)

// callIDPattern is the shape of a call id: WhatsApp's are upper-case hex; any short
// alphanumeric id is taken so a test may choose its own.
var callIDPattern = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)

type sandboxCallRequest struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Action string `json:"action"`
	CallID string `json:"callId"`
}

type sandboxCallResponse struct {
	envelope
	CallID string `json:"callId"`
}

// handleSandboxCall has a phone of the caller's offer a voice call to another of its phones,
// or end one. Only the signalling is simulated: the callee's devices see the offer or the end
// (whatsmeow's CallOffer, CallTerminate), and what they answer lands in the caller's inbox.
func (s *Server) handleSandboxCall(w http.ResponseWriter, r *http.Request) error {
	var req sandboxCallRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	from, err := sandboxPhone("from", req.From)
	if err != nil {
		return err
	}
	to, err := sandboxChat("to", req.To)
	if err != nil {
		return err
	}
	if strings.HasSuffix(to, "@"+switchboard.ServerGroup) {
		return invalid("to must be a phone number or a user JID: group calls are not simulated")
	}
	message := map[string]string{"offer": "Call offered", "terminate": "Call ended"}[req.Action]
	if message == "" {
		return invalid("action must be offer or terminate")
	}
	if req.CallID != "" && !callIDPattern.MatchString(req.CallID) {
		return invalid("callId must be 1 to 64 letters and digits")
	}
	account := principalFrom(r.Context()).accountID
	if err := s.ownPhone(r.Context(), account, from, false); err != nil {
		return err
	}
	if err := s.ownChat(r.Context(), account, to); err != nil {
		return err
	}
	id, err := s.cfg.Sandbox.Call(r.Context(), from, to, req.Action, req.CallID)
	if err != nil {
		return sessionFailed("Sandbox call failed", err)
	}
	writeJSON(w, http.StatusOK, sandboxCallResponse{envelope: ok(message), CallID: id})
	return nil
}
