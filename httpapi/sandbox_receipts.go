package httpapi

import (
	"net/http"
	"strings"
)

// maxSandboxReceiptIDs bounds one receipt request, as WhatsApp bounds one receipt stanza's list.
const maxSandboxReceiptIDs = 1000

type sandboxReceiptsRequest struct {
	Phone string   `json:"phone"`
	Chat  string   `json:"chat"`
	IDs   []string `json:"ids"`
	Type  string   `json:"type"`
}

// handleSandboxReceipts has a phone of the caller's read (or play) messages it received. The
// chat needs no owner check: a receipt answers a message someone sent this phone, and goes to
// that sender only; ids the phone never received are skipped, as a phone cannot read them.
func (s *Server) handleSandboxReceipts(w http.ResponseWriter, r *http.Request) error {
	var req sandboxReceiptsRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	phone, err := sandboxPhone("phone", req.Phone)
	if err != nil {
		return err
	}
	chat, err := sandboxChat("chat", req.Chat)
	if err != nil {
		return err
	}
	if len(req.IDs) == 0 || len(req.IDs) > maxSandboxReceiptIDs {
		return invalid("ids must list 1 to 1000 message ids")
	}
	for _, id := range req.IDs {
		if strings.TrimSpace(id) == "" || len(id) > 128 {
			return invalid("ids must be message ids of 1 to 128 characters")
		}
	}
	typ := req.Type
	switch typ {
	case "":
		typ = "read"
	case "read", "played":
	default:
		return invalid("type must be read or played")
	}
	if err := s.ownPhone(r.Context(), principalFrom(r.Context()).accountID, phone, false); err != nil {
		return err
	}
	if err := s.cfg.Sandbox.SendReceipts(r.Context(), phone, chat, req.IDs, typ); err != nil {
		return sessionFailed("Sandbox receipts failed", err)
	}
	writeJSON(w, http.StatusOK, ok("Receipts sent"))
	return nil
}
