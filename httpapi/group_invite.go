package httpapi

import (
	"net/http"

	"github.com/switchboard/switchboard"
)

type groupIdentifierRequest struct {
	Identifier string `json:"identifier"`
}

type groupJoinResponse struct {
	envelope
	GroupJID         string `json:"groupJid"`
	RequiresApproval bool   `json:"requiresApproval"`
}

type groupResetLinkResponse struct {
	envelope
	GroupJID   string `json:"groupJid"`
	InviteCode string `json:"inviteCode"`
	InviteLink string `json:"inviteLink"`
}

// Messages of join and resetLink. The reference's join message is cut after "Successfully j";
// the pending one is Switchboard's.
const (
	msgJoined            = "Successfully joined the group"
	msgJoinPending       = "Join request sent; an admin must approve it"
	msgLinkReset         = "Group invite link reset successfully"
	msgResetLinkNotAdmin = "Not authorized to reset group invite link (must be admin)"
)

// handleGroupJoin joins a group by invite code or link (RyzeAPI section 2.3.6); a JID is
// refused with 400. requiresApproval true means the join waits for an admin (see /requests).
// Joining a group the instance is already in answers the same as a join. Errors: 400
// "Identifier is required", 400 "Join needs an invite code or an invite link, not a group JID",
// 400 "Invalid invite code or link", 404 "Invite link has been revoked or expired".
func (s *Server) handleGroupJoin(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req groupIdentifierRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	code, err := parseInvite(req.Identifier)
	if err != nil {
		return err
	}
	gc, err := s.groupClient(inst)
	if err != nil {
		return err
	}
	jid, pending, err := gc.JoinWithInvite(r.Context(), code)
	if err != nil {
		return inviteFailure(err)
	}
	message := msgJoined
	if pending {
		message = msgJoinPending
	}
	writeJSON(w, http.StatusOK, groupJoinResponse{envelope: ok(message), GroupJID: jid.String(), RequiresApproval: pending})
	return nil
}

// handleGroupResetLink revokes a group's invite link and issues a new one (RyzeAPI section
// 2.3.7), with the reference's messages. The old code stops working at once.
func (s *Server) handleGroupResetLink(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req groupIdentifierRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	ref, err := parseIdentifier(req.Identifier)
	if err != nil {
		return err
	}
	ctx := r.Context()
	gc, jid, err := s.openGroup(ctx, inst, ref)
	if err != nil {
		return err
	}
	code, err := gc.InviteCode(ctx, jid, true)
	if err != nil {
		return groupFailure(err, msgResetLinkNotAdmin)
	}
	writeJSON(w, http.StatusOK, groupResetLinkResponse{
		envelope:   ok(msgLinkReset),
		GroupJID:   jid.String(),
		InviteCode: code,
		InviteLink: inviteLinkPrefix + code,
	})
	return nil
}
