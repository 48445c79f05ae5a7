package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/switchboard/switchboard"
)

// Limits of community create. The name limit is the reference's (RyzeAPI section 2.2.1); the
// description limit is WhatsApp's for group descriptions.
const (
	maxCommunityNameRunes        = 25
	maxCommunityDescriptionRunes = 2048
	approvalRequestRequired      = "request_required"
)

// Messages of community create that the RyzeAPI contract does not fix: Switchboard's own, in
// the reference's style, and recorded in openapi.json.
var (
	errCommunityNameRequired = invalid("name is required")
	errCommunityNameTooLong  = invalid(fmt.Sprintf("name must be at most %d characters", maxCommunityNameRunes))
	errCommunityDescription  = invalid(fmt.Sprintf("description must be valid text of at most %d characters", maxCommunityDescriptionRunes))
	errApprovalMode          = invalid(`membershipApprovalMode must be "request_required" or ""`)
)

const (
	msgCommunityCreated = "Community created successfully"
	// The reference's fallback notice: WhatsApp refused a parent group, a plain group was made.
	msgCommunityFallback = "WhatsApp refused to create a community; a regular group was created instead"
	msgNotLinkedFallback = "not linked: WhatsApp refused to create a community, so there is none to link to"
)

type communityCreateRequest struct {
	Name                   string   `json:"name"`
	Description            string   `json:"description"`
	Image                  string   `json:"image"`
	GroupJID               []string `json:"groupJid"`
	MembershipApprovalMode string   `json:"membershipApprovalMode"`
}

// communityCreateResponse is the reference's answer (`group`, `isCommunity`, `linkedGroups`,
// `failedGroups`, `imageError`) plus Switchboard's `announcementJid`, the per-group `results`
// of the links, and `descriptionError` when the description could not be set after creation.
type communityCreateResponse struct {
	envelope
	Group            groupInfoJSON    `json:"group"`
	IsCommunity      bool             `json:"isCommunity"`
	AnnouncementJID  string           `json:"announcementJid,omitempty"`
	LinkedGroups     []string         `json:"linkedGroups"`
	FailedGroups     []string         `json:"failedGroups"`
	Results          []linkResultJSON `json:"results"`
	ImageError       string           `json:"imageError,omitempty"`
	DescriptionError string           `json:"descriptionError,omitempty"`
}

// parseCommunityCreate validates the body before the instance is looked up, like link.
func parseCommunityCreate(r *http.Request) (communityCreateRequest, error) {
	var req communityCreateRequest
	if err := decodeJSON(r, &req); err != nil {
		return req, err
	}
	req.Name = strings.TrimSpace(req.Name)
	switch {
	case req.Name == "":
		return req, errCommunityNameRequired
	case !utf8.ValidString(req.Name) || utf8.RuneCountInString(req.Name) > maxCommunityNameRunes:
		return req, errCommunityNameTooLong
	case !utf8.ValidString(req.Description) || utf8.RuneCountInString(req.Description) > maxCommunityDescriptionRunes:
		return req, errCommunityDescription
	case req.MembershipApprovalMode != "" && req.MembershipApprovalMode != approvalRequestRequired:
		return req, errApprovalMode
	case len(req.GroupJID) > maxGroupsPerBatch:
		return req, errTooManyGroups
	}
	return req, nil
}

// handleCommunityCreate creates a community (RyzeAPI section 2.2.1): the picture, when given,
// is fetched and converted first, so a bad one is known before anything exists on WhatsApp and
// is reported in imageError without stopping the creation; then the community, its picture, and
// the links of groupJid through the instance's pacer, with the same checks and results as
// link. When WhatsApp refuses to create a parent group (400), a regular group is created
// instead, as the reference does, and the answer says so (isCommunity false, the notice in
// message); groupJid then cannot be linked. Answers 201, like group create.
func (s *Server) handleCommunityCreate(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance, req communityCreateRequest) error {
	gc, err := s.communityGroups(inst)
	if err != nil {
		return err
	}
	ctx := r.Context()
	// Accepted: an async request answers 202 from here on. The links are the job's items.
	reportProgress(ctx, 0, switchboard.DistinctGroups(req.GroupJID))
	resp := communityCreateResponse{IsCommunity: true, LinkedGroups: []string{}, FailedGroups: []string{}, Results: []linkResultJSON{}}

	var picture []byte
	if req.Image != "" {
		if picture, err = s.loadImage(ctx, req.Image); err != nil {
			resp.ImageError = switchboard.ErrorMessageOf(err)
		}
	}

	params := switchboard.CreateGroupParams{
		Name:         req.Name,
		Description:  req.Description,
		IsCommunity:  true,
		JoinApproval: req.MembershipApprovalMode == approvalRequestRequired,
	}
	created, err := gc.CreateGroup(ctx, params)
	if created == nil && switchboard.IsCode(err, switchboard.CodeInvalid) {
		s.requestLogger(r).Warn("WhatsApp refused to create a community; creating a regular group", "err", err)
		resp.IsCommunity = false
		params.IsCommunity = false
		created, err = gc.CreateGroup(ctx, params)
	}
	if created == nil {
		return communityCreateFailure(err, resp.IsCommunity)
	}
	if err != nil {
		// The group exists; only a follow-up call (the description) failed.
		resp.DescriptionError = switchboard.ErrorMessageOf(err)
	}
	if picture != nil {
		if err := gc.SetPhoto(ctx, created.JID, picture); err != nil {
			resp.ImageError = "image could not be set: " + switchboard.ErrorMessageOf(err)
		}
	}

	var results []switchboard.LinkResult
	if resp.IsCommunity {
		resp.AnnouncementJID = s.announcementOf(ctx, gc, created.JID)
		if len(req.GroupJID) > 0 {
			linker := switchboard.CommunityLinker{Pacer: s.cfg.Sessions.Pacer(inst)}
			results = linker.Link(ctx, gc, s.linkBatch(ctx, inst, created.JID, req.GroupJID))
		}
	} else if len(req.GroupJID) > 0 {
		results = switchboard.Refuse(s.linkBatch(ctx, inst, created.JID, req.GroupJID), switchboard.ReasonWhatsAppError, msgNotLinkedFallback)
	}
	if len(results) > 0 {
		o := linkOutcomeOf(results)
		resp.LinkedGroups, resp.FailedGroups, resp.Results = o.linked, o.failed, o.results
	}

	resp.envelope = ok(communityCreateMessage(resp))
	resp.Group = newGroupInfoJSON(created, s.inviteCodeOf(ctx, gc, created.JID), false)
	writeJSON(w, http.StatusCreated, resp)
	return nil
}

// communityCreateMessage says what happened: the fallback notice first, then how the links went.
func communityCreateMessage(resp communityCreateResponse) string {
	msg := msgCommunityCreated
	if !resp.IsCommunity {
		msg = msgCommunityFallback
	}
	if n := len(resp.Results); n > 0 {
		msg += fmt.Sprintf("; linked %d of %d groups", len(resp.LinkedGroups), n)
	}
	return msg
}

// communityCreateFailure maps a create that left nothing behind. Codes keep their meaning (not
// connected 400, rate limit 429, WhatsApp failure 502...) under one message prefix.
func communityCreateFailure(err error, community bool) error {
	what := "community"
	if !community {
		what = "group"
	}
	if switchboard.IsCode(err, switchboard.CodeNotConnected) {
		return switchboard.Wrap(errCommunityNotConnected.Code, errCommunityNotConnected.Message, err)
	}
	return switchboard.Wrap(switchboard.ErrorCodeOf(err), "Failed to create "+what+": "+switchboard.ErrorMessageOf(err), err)
}

// announcementOf finds a community's announcement group; "" if WhatsApp does not say (the
// community exists either way, so this does not fail the request).
func (s *Server) announcementOf(ctx context.Context, gc switchboard.GroupClient, community switchboard.JID) string {
	subs, err := gc.SubGroups(ctx, community)
	if err != nil {
		s.logFor(ctx).Warn("listing the new community's subgroups failed", "community", community.String(), "err", err)
		return ""
	}
	for _, sg := range subs {
		if sg.IsDefault {
			return sg.JID.String()
		}
	}
	return ""
}

// inviteCodeOf reads the invite code for GroupInfo; the creator is admin, so this normally
// works, and if it does not, GroupInfo is still worth returning without it.
func (s *Server) inviteCodeOf(ctx context.Context, gc switchboard.GroupClient, group switchboard.JID) string {
	code, err := gc.InviteCode(ctx, group, false)
	if err != nil {
		s.logFor(ctx).Warn("reading the new community's invite code failed", "group", group.String(), "err", err)
		return ""
	}
	return code
}
