package httpapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/switchboard/switchboard"
)

type groupParticipantsRequest struct {
	Action       string   `json:"action"`
	Identifier   string   `json:"identifier"`
	Participants []string `json:"participants"`
}

type groupParticipantsResponse struct {
	envelope
	GroupJID     string                  `json:"groupJid"`
	Action       string                  `json:"action"`
	Participants []participantResultJSON `json:"participants"`
}

// Messages of /participants where the reference is silent.
const (
	msgParticipantsNotAdmin = "Not authorized to manage group participants (must be admin)"
	msgActionRule           = "add, remove, promote, demote, approve or reject"
)

// handleGroupParticipants adds, removes, promotes or demotes members, or approves or rejects
// pending join requests (RyzeAPI section 2.3.5). Each distinct participant gets its own result
// and the answer is 200 even when some, or all, failed: `success` is true when at least one
// change was done, as on community link, and `message` is "N of M participants <action>ed".
// Refusals of the whole call: 400 for a bad body, 404 "Group not found or you are not a member
// of this group", 403 "Not authorized to manage group participants (must be admin)".
func (s *Server) handleGroupParticipants(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req groupParticipantsRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	action, err := parseGroupAction(req.Action)
	if err != nil {
		return err
	}
	ref, err := parseIdentifier(req.Identifier)
	if err != nil {
		return err
	}
	if len(req.Participants) == 0 {
		return invalid("participants is required: at least one phone number, user JID or LID")
	}
	plan, err := planParticipants(req.Participants)
	if err != nil {
		return err
	}
	ctx := r.Context()
	gc, group, err := s.openGroup(ctx, inst, ref)
	if err != nil {
		return err
	}
	if action == switchboard.ActionApprove || action == switchboard.ActionReject {
		pending, err := gc.JoinRequests(ctx, group)
		if err != nil {
			return groupFailure(err, msgParticipantsNotAdmin)
		}
		matchJoinRequests(plan, pending)
	}
	if len(plan.send) > 0 {
		answers, err := gc.UpdateParticipants(ctx, group, action, plan.send)
		if err != nil {
			return groupFailure(err, msgParticipantsNotAdmin)
		}
		plan.settle(action, answers)
	}
	done := plan.succeeded()
	writeJSON(w, http.StatusOK, groupParticipantsResponse{
		envelope:     envelope{Success: done > 0, Message: fmt.Sprintf("%d of %d participants %s", done, len(plan.results), pastTense(action))},
		GroupJID:     group.String(),
		Action:       string(action),
		Participants: plan.results,
	})
	return nil
}

func parseGroupAction(raw string) (switchboard.GroupAction, error) {
	raw = strings.ToLower(strings.TrimSpace(raw))
	if raw == "" {
		return "", invalid("action is required: " + msgActionRule)
	}
	switch a := switchboard.GroupAction(raw); a {
	case switchboard.ActionAdd, switchboard.ActionRemove, switchboard.ActionPromote, switchboard.ActionDemote,
		switchboard.ActionApprove, switchboard.ActionReject:
		return a, nil
	}
	return "", invalid("Invalid action: use " + msgActionRule)
}

// matchJoinRequests points approve/reject at the requests WhatsApp holds. A requester may be
// known by LID while the client names them by phone number (the reference resolves the number
// to the LID); someone with no pending request fails here with no_request, unsent.
func matchJoinRequests(plan *participantPlan, pending []switchboard.JoinRequest) {
	requested := map[switchboard.JID]bool{}
	for _, req := range pending {
		jid := req.JID.ToNonAD()
		requested[jid] = true
		if pn := req.PhoneNumber.ToNonAD(); !pn.IsZero() && pn != jid {
			plan.substitute(pn, jid)
		}
	}
	for _, jid := range append([]switchboard.JID(nil), plan.send...) {
		if !requested[jid] {
			plan.fail(jid, reasonNoRequest, "No pending join request from this user")
		}
	}
}
