package httpapi

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard"
)

type groupListResponse struct {
	envelope
	Groups []groupListEntryJSON `json:"groups"`
}

type groupInfoResponse struct {
	envelope
	Group groupDetailJSON `json:"group"`
}

// handleGroupList lists every group the instance is in, communities and announcement groups
// included (flagged), sorted by name. The contract does not fix this route's shape, so it is
// Switchboard's: `groups` of GroupInfo without the invite code, plus the flags;
// ?participants=false leaves the member lists out. Message: "N group(s) found".
func (s *Server) handleGroupList(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	withParticipants, err := participantsParam(r)
	if err != nil {
		return err
	}
	gc, err := s.groupClient(inst)
	if err != nil {
		return err
	}
	groups, err := gc.JoinedGroups(r.Context())
	if err != nil {
		return sessionFailed("Failed to list groups", err)
	}
	slices.SortFunc(groups, func(a, b *switchboard.Group) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.JID.String(), b.JID.String()))
	})
	out := make([]groupListEntryJSON, 0, len(groups))
	for _, g := range groups {
		out = append(out, newGroupListEntryJSON(g, withParticipants))
	}
	writeJSON(w, http.StatusOK, groupListResponse{envelope: ok(fmt.Sprintf("%d group(s) found", len(out))), Groups: out})
	return nil
}

// handleGroupInfo returns GroupDetail (RyzeAPI section 2.3.3) for ?identifier= (JID, invite
// code or link). The invite code and link are filled when the instance is an admin (only admins
// may read them). Message: "Group info retrieved successfully". Errors: 400 "Identifier is
// required" or an invalid identifier, 404 "Group not found or you are not a member of this
// group" (also for a code of a group the instance has not joined: the reference reads details
// as a member), 404 "Invite link has been revoked or expired", 400 "Invalid invite code or link".
func (s *Server) handleGroupInfo(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	ref, err := parseIdentifier(r.URL.Query().Get("identifier"))
	if err != nil {
		return err
	}
	withParticipants, err := participantsParam(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	gc, jid, err := s.openGroup(ctx, inst, ref)
	if err != nil {
		return err
	}
	g, err := gc.GroupInfo(ctx, jid)
	if err != nil {
		return groupFailure(err, "")
	}
	code := s.inviteCodeIfAdmin(ctx, gc, g)
	detail := newGroupDetailJSON(g, code, withParticipants)
	detail.Image = s.pictureOf(ctx, gc, g)
	writeJSON(w, http.StatusOK, groupInfoResponse{
		envelope: ok("Group info retrieved successfully"),
		Group:    detail,
	})
	return nil
}

// participantsParam reads ?participants= (default true).
func participantsParam(r *http.Request) (bool, error) {
	raw := r.URL.Query().Get("participants")
	if raw == "" {
		return true, nil
	}
	v, err := strconv.ParseBool(raw)
	if err != nil {
		return false, invalid("participants must be true or false")
	}
	return v, nil
}
