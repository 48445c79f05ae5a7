package httpapi

import (
	"net/http"
	"strings"

	"github.com/switchboard/switchboard"
)

type sendTextRequest struct {
	sendCommon
	Message     string `json:"message"`
	LinkPreview bool   `json:"linkPreview"`
}

// maxTextLength is WhatsApp's limit on a text message, in characters.
const maxTextLength = 65536

// handleSendText sends a text (RyzeAPI §2.6.1).
func (s *Server) handleSendText(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req sendTextRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Message) == "" {
		return invalid("Message is required")
	}
	if len([]rune(req.Message)) > maxTextLength {
		return invalid("message must be at most 65536 characters")
	}
	plan, err := s.prepareSend(r.Context(), inst, req.sendCommon, switchboard.MessageText, true)
	if err != nil {
		return err
	}
	plan.msg.Text, plan.msg.LinkPreview = req.Message, req.LinkPreview
	plan.content = &req.Message
	return s.send(w, r, inst, plan)
}
