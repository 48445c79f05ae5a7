package httpapi

import (
	"context"
	"net/http"

	"github.com/switchboard/switchboard"
)

type groupCreateRequest struct {
	Name          string              `json:"name"`
	Participants  []string            `json:"participants"`
	Description   string              `json:"description"`
	Image         string              `json:"image"`
	CommunityJID  string              `json:"communityJid"`
	GroupSettings *groupSettingsInput `json:"groupSettings"`
}

// groupCreateResponse is GroupInfo under `group` (as community create returns it) plus
// Switchboard's additions: one result per requested participant, `imageError` when the picture
// could not be applied (the same field as community create), and `warnings` for the other
// follow-up calls that failed after the group existed.
type groupCreateResponse struct {
	envelope
	Group        groupInfoJSON           `json:"group"`
	Participants []participantResultJSON `json:"participants"`
	ImageError   string                  `json:"imageError,omitempty"`
	Warnings     []string                `json:"warnings,omitempty"`
}

// Messages of group create that the RyzeAPI contract does not fix: Switchboard's own, in the
// reference's style, and recorded in openapi.json.
const (
	msgGroupCreated           = "Group created successfully"
	msgCommunityNotFound      = "Community not found or you are not a member of this community"
	msgNotACommunity          = "communityJid is not a community"
	msgCommunityNotAdmin      = "Not authorized to create a group in this community (must be admin)"
	msgCommunityFull          = "The community already has the maximum number of subgroups"
	msgGroupCreateFailedImage = "image could not be set: "
)

// handleGroupCreate creates a group, optionally inside a community (RyzeAPI section 2.3.1).
// The answer is 201, as for instance creation. Participants WhatsApp refused (not on WhatsApp,
// privacy...) do not fail the call: each has its result in `participants`. The description,
// the member-add mode and the picture are follow-up calls once the group exists; their failure
// cannot undo the group, so it is reported (`warnings`, `imageError`) and the answer is still
// 201. Refusals: 400 for a bad body or an invalid communityJid, "Instance is not connected to
// WhatsApp"; with communityJid, 404 "Community not found or you are not a member of this
// community", 400 "communityJid is not a community", 403 "Not authorized to create a group in
// this community (must be admin)", 409 "The community already has the maximum number of
// subgroups".
func (s *Server) handleGroupCreate(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req groupCreateRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	name, err := validGroupName(req.Name)
	if err != nil {
		return err
	}
	if err := validGroupDescription(req.Description); err != nil {
		return err
	}
	plan, err := planParticipants(req.Participants)
	if err != nil {
		return err
	}
	params := switchboard.CreateGroupParams{Name: name, Description: req.Description}
	req.GroupSettings.toCreateParams(&params)
	if req.CommunityJID != "" {
		community, err := switchboard.NormalizeGroupJID(req.CommunityJID)
		if err != nil {
			return invalid("invalid community JID: " + err.Error())
		}
		params.LinkedParent = community
	}
	gc, err := s.groupClient(inst)
	if err != nil {
		return err
	}
	ctx := r.Context()

	// The picture is fetched before the group exists, so a slow download never leaves a
	// half-configured group behind for long; a bad picture does not stop the creation.
	var picture []byte
	var imageError string
	if req.Image != "" {
		if picture, err = s.loadImage(ctx, req.Image); err != nil {
			imageError = switchboard.ErrorMessageOf(err)
		}
	}
	if !params.LinkedParent.IsZero() {
		if err := checkCommunityAdmin(ctx, gc, params.LinkedParent); err != nil {
			return err
		}
	}

	own := gc.OwnJID()
	plan.succeed(own)
	params.Participants = plan.send
	created, err := gc.CreateGroup(ctx, params)
	if created == nil && err == nil {
		err = switchboard.Errorf(switchboard.CodeWhatsAppFailure, "WhatsApp did not return the created group")
	}
	if created == nil {
		if switchboard.IsCode(err, switchboard.CodeConflict) && !params.LinkedParent.IsZero() {
			return switchboard.Wrap(switchboard.CodeConflict, msgCommunityFull, err)
		}
		return sessionFailed("Failed to create group", err)
	}
	var warnings []string
	if err != nil {
		// The group exists; a follow-up (description, member-add mode) failed.
		warnings = append(warnings, switchboard.ErrorMessageOf(err))
	}
	plan.settle(switchboard.ActionAdd, createAnswers(created))

	if picture != nil {
		if err := gc.SetPhoto(ctx, created.JID, picture); err != nil {
			imageError = msgGroupCreateFailedImage + switchboard.ErrorMessageOf(err)
		}
	}
	code := s.inviteCodeIfAdmin(ctx, gc, created)
	writeJSON(w, http.StatusCreated, groupCreateResponse{
		envelope:     ok(msgGroupCreated),
		Group:        newGroupInfoJSON(created, code, false),
		Participants: plan.results,
		ImageError:   imageError,
		Warnings:     warnings,
	})
	return nil
}

// createAnswers reads a create reply as per-participant answers: every member under each of
// its addresses (the client may have named them by number or by LID), and the refused ones
// with WhatsApp's code.
func createAnswers(g *switchboard.Group) []switchboard.ParticipantResult {
	var out []switchboard.ParticipantResult
	for _, p := range g.Participants {
		for _, jid := range []switchboard.JID{p.PhoneNumber, p.JID, p.LID} {
			if !jid.IsZero() {
				out = append(out, switchboard.ParticipantResult{JID: jid.ToNonAD(), OK: true})
			}
		}
	}
	return append(out, g.NotAdded...)
}

// checkCommunityAdmin reads the community a group is to be created in, so that the client learns
// which of the four ways it can be wrong instead of WhatsApp's bare 400 or 401.
func checkCommunityAdmin(ctx context.Context, gc switchboard.GroupClient, community switchboard.JID) error {
	g, err := gc.GroupInfo(ctx, community)
	if err != nil {
		mapped := groupFailure(err, msgCommunityNotAdmin)
		if switchboard.IsCode(mapped, switchboard.CodeNotFound) {
			return switchboard.Wrap(switchboard.CodeNotFound, msgCommunityNotFound, err)
		}
		return mapped
	}
	if !g.IsCommunity {
		return invalid(msgNotACommunity)
	}
	if !isAdminOf(g, gc.OwnJID()) {
		return &switchboard.Error{Code: switchboard.CodeForbidden, Message: msgCommunityNotAdmin}
	}
	return nil
}
