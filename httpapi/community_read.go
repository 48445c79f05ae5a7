package httpapi

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/switchboard/switchboard"
)

// Messages of the community reads: the reference's for listSubGroups (RyzeAPI section 2.2.4),
// and the same wording for the additive routes that take the same query.
const (
	msgCommunityJIDQueryRequired = "communityJid query parameter is required"
	msgFailedToGetGroups         = "failed to get groups: "
	msgCommunityNotFoundRead     = "Community not found or you are not a member of this community"
	msgCommunityJIDNotLink       = "communityJid must be a community JID (120363...@g.us), not an invite link: GET /api/group/info/{instance}?identifier=<link> shows the JID"
)

// communityQuery validates ?communityJid= before the instance is looked up. A bare numeric id
// gets @g.us, as the reference does.
func communityQuery(r *http.Request) (switchboard.JID, error) {
	raw := strings.TrimSpace(r.URL.Query().Get("communityJid"))
	if raw == "" {
		return switchboard.JID{}, invalid(msgCommunityJIDQueryRequired)
	}
	if looksLikeLink(raw) {
		// An invite link names a group to join, not a community; the link's group info has the
		// JID (a community's own invite link resolves to the community).
		return switchboard.JID{}, invalid(msgCommunityJIDNotLink)
	}
	j, err := switchboard.NormalizeGroupJID(raw)
	if err != nil {
		return switchboard.JID{}, invalid("invalid community JID: " + err.Error())
	}
	return j, nil
}

// communityReadFailure maps a failed read of community (zero when the read was not about one). The reference documents only
// `500 failed to get groups: <reason>`; the causes a client can act on get their own status
// with the same message prefix: an unknown community, or one the instance is not in, is 404;
// WhatsApp's 400 for a community query on a plain group becomes "is not a community"; a
// rate limit is 429; a session that dropped mid-request is the usual not-connected 400.
func communityReadFailure(err error, community switchboard.JID) error {
	code := switchboard.ErrorCodeOf(err)
	switch code {
	case switchboard.CodeNotConnected:
		return switchboard.Wrap(errCommunityNotConnected.Code, errCommunityNotConnected.Message, err)
	case switchboard.CodeNotFound, switchboard.CodeForbidden:
		return switchboard.Wrap(switchboard.CodeNotFound, msgFailedToGetGroups+msgCommunityNotFoundRead, err)
	case switchboard.CodeInvalid:
		if !community.IsZero() {
			return switchboard.Wrap(switchboard.CodeInvalid, msgFailedToGetGroups+community.String()+" is not a community", err)
		}
	case switchboard.CodeRateLimited, switchboard.CodeTimeout:
		return switchboard.Wrap(code, msgFailedToGetGroups+switchboard.ErrorMessageOf(err), err)
	}
	return switchboard.Wrap(switchboard.CodeInternal, msgFailedToGetGroups+switchboard.ErrorMessageOf(err), err)
}

type subGroupJSON struct {
	JID               string `json:"jid"`
	Name              string `json:"name"`
	IsDefaultSubGroup bool   `json:"isDefaultSubGroup"`
}

type subGroupsResponse struct {
	envelope
	CommunityJID string         `json:"communityJid"`
	SubGroups    []subGroupJSON `json:"subgroups"`
}

// handleCommunitySubGroups lists a community's subgroups, the announcement group flagged
// isDefaultSubGroup (RyzeAPI section 2.2.4). It asks WhatsApp each time, so a link or unlink
// shows at once (the reference serves a cache that lags 1–3 s).
func (s *Server) handleCommunitySubGroups(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance, community switchboard.JID) error {
	gc, err := s.communityGroups(inst)
	if err != nil {
		return err
	}
	subs, err := gc.SubGroups(r.Context(), community)
	if err != nil {
		return communityReadFailure(err, community)
	}
	out := make([]subGroupJSON, 0, len(subs))
	for _, sg := range subs {
		out = append(out, subGroupJSON{JID: sg.JID.String(), Name: sg.Name, IsDefaultSubGroup: sg.IsDefault})
	}
	writeJSON(w, http.StatusOK, subGroupsResponse{
		envelope:     ok(fmt.Sprintf("%d subgroup(s) found", len(out))),
		CommunityJID: community.String(),
		SubGroups:    out,
	})
	return nil
}

type communityParticipantJSON struct {
	JID string `json:"jid"`
}

type communityParticipantsResponse struct {
	envelope
	CommunityJID string                     `json:"communityJid"`
	Participants []communityParticipantJSON `json:"participants"`
}

// handleCommunityParticipants lists the members of every group linked to a community, each once
// (additive; several peers have it). WhatsApp may name members by LID.
func (s *Server) handleCommunityParticipants(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance, community switchboard.JID) error {
	gc, err := s.communityGroups(inst)
	if err != nil {
		return err
	}
	members, err := gc.LinkedGroupsParticipants(r.Context(), community)
	if err != nil {
		return communityReadFailure(err, community)
	}
	out := make([]communityParticipantJSON, 0, len(members))
	for _, m := range members {
		out = append(out, communityParticipantJSON{JID: m.ToNonAD().String()})
	}
	writeJSON(w, http.StatusOK, communityParticipantsResponse{
		envelope:     ok(fmt.Sprintf("%d participant(s) found", len(out))),
		CommunityJID: community.String(),
		Participants: out,
	})
	return nil
}

type communitySummaryJSON struct {
	JID             string `json:"jid"`
	Name            string `json:"name"`
	Description     string `json:"description"`
	AnnouncementJID string `json:"announcementJid"`
	SubGroupCount   int    `json:"subGroupCount"`
	IsAdmin         bool   `json:"isAdmin"`
}

type communityListResponse struct {
	envelope
	Communities []communitySummaryJSON `json:"communities"`
}

// handleCommunityList lists the communities the instance is in (additive). The subgroup count
// leaves the announcement group out, as WhatsApp's 50-subgroup limit does, and counts what
// WhatsApp lists to the instance.
func (s *Server) handleCommunityList(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	gc, err := s.communityGroups(inst)
	if err != nil {
		return err
	}
	ctx := r.Context()
	groups, err := gc.JoinedGroups(ctx)
	if err != nil {
		return communityReadFailure(err, switchboard.JID{})
	}
	own := gc.OwnJID()
	out := []communitySummaryJSON{}
	for _, g := range groups {
		if !g.IsCommunity {
			continue
		}
		subs, err := gc.SubGroups(ctx, g.JID)
		if err != nil {
			return communityReadFailure(err, g.JID)
		}
		c := communitySummaryJSON{JID: g.JID.String(), Name: g.Name, Description: g.Topic, IsAdmin: communityAdmin(g, own)}
		for _, sg := range subs {
			if sg.IsDefault {
				c.AnnouncementJID = sg.JID.String()
			} else {
				c.SubGroupCount++
			}
		}
		out = append(out, c)
	}
	message := fmt.Sprintf("%d communities found", len(out))
	if len(out) == 1 {
		message = "1 community found"
	}
	writeJSON(w, http.StatusOK, communityListResponse{envelope: ok(message), Communities: out})
	return nil
}

// communityAdmin reports whether own is an admin of g, matching it by phone number or LID.
func communityAdmin(g *switchboard.Group, own switchboard.JID) bool {
	own = own.ToNonAD()
	for _, p := range g.Participants {
		if !p.IsAdmin && !p.IsSuperAdmin {
			continue
		}
		for _, j := range []switchboard.JID{p.JID, p.PhoneNumber, p.LID} {
			if !j.IsZero() && j.ToNonAD() == own {
				return true
			}
		}
	}
	return false
}
