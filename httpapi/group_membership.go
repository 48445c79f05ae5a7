package httpapi

import (
	"fmt"
	"net/http"

	"github.com/switchboard/switchboard"
)

type joinRequestJSON struct {
	JID         string  `json:"jid"`         // LID form when WhatsApp hides the number
	PhoneNumber *string `json:"phoneNumber"` // digits, like every phone field; null when unknown (reference)
	RequestedAt *string `json:"requestedAt"` // RFC 3339, Switchboard addition
}

type groupRequestsResponse struct {
	envelope
	GroupJID string            `json:"groupJid"`
	Requests []joinRequestJSON `json:"requests"`
	Meta     struct {
		Total int `json:"total"`
	} `json:"meta"`
}

type groupLeaveResponse struct {
	envelope
	GroupJID string `json:"groupJid"`
}

const (
	msgRequestsNotAdmin = "Not authorized to view group requests (must be admin)"
	msgLeft             = "Successfully left the group"
)

// handleGroupRequests lists the pending join requests of an approval-mode group (RyzeAPI section
// 2.3.8), with the reference's errors. Message: "N pending request(s)".
func (s *Server) handleGroupRequests(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	ref, err := parseIdentifier(r.URL.Query().Get("identifier"))
	if err != nil {
		return err
	}
	ctx := r.Context()
	gc, jid, err := s.openGroup(ctx, inst, ref)
	if err != nil {
		return err
	}
	pending, err := gc.JoinRequests(ctx, jid)
	if err != nil {
		return groupFailure(err, msgRequestsNotAdmin)
	}
	resp := groupRequestsResponse{
		envelope: ok(fmt.Sprintf("%d pending request(s)", len(pending))),
		GroupJID: jid.String(),
		Requests: make([]joinRequestJSON, 0, len(pending)),
	}
	for _, p := range pending {
		entry := joinRequestJSON{JID: p.JID.ToNonAD().String(), RequestedAt: timeString(p.RequestedAt)}
		if !p.PhoneNumber.IsZero() {
			pn := p.PhoneNumber.User
			entry.PhoneNumber = &pn
		}
		resp.Requests = append(resp.Requests, entry)
	}
	resp.Meta.Total = len(pending)
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// handleGroupLeave makes the instance leave a group (RyzeAPI section 2.3.9). The identifier is
// in the query string. Leaving again, or leaving a group the instance was never in, is 404
// "Group not found or you are not a member of this group", as the reference documents.
func (s *Server) handleGroupLeave(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	ref, err := parseIdentifier(r.URL.Query().Get("identifier"))
	if err != nil {
		return err
	}
	ctx := r.Context()
	gc, jid, err := s.openGroup(ctx, inst, ref)
	if err != nil {
		return err
	}
	if err := gc.Leave(ctx, jid); err != nil {
		return groupFailure(err, "")
	}
	writeJSON(w, http.StatusOK, groupLeaveResponse{envelope: ok(msgLeft), GroupJID: jid.String()})
	return nil
}
