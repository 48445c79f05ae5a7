package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/switchboard/switchboard"
)

type groupUpdateRequest struct {
	Identifier    string              `json:"identifier"`
	Name          *string             `json:"name"`
	Description   *string             `json:"description"` // "" clears; absent keeps
	Image         string              `json:"image"`
	RemoveImage   bool                `json:"removeImage"`
	GroupSettings *groupSettingsInput `json:"groupSettings"`
}

type groupUpdateResponse struct {
	envelope
	Group groupInfoJSON `json:"group"`
	// Updated names the fields that changed, as the message does (Switchboard addition).
	Updated []string `json:"updated"`
}

// Messages of group update where the reference is silent.
const (
	msgUpdateNotAdmin = "Not authorized to update group (must be admin)"
	msgUpdateNothing  = "At least one field to update is required: name, description, image, removeImage or groupSettings"
	msgUpdateNoChange = "No changes: the group already has these values"
)

// groupChange is one WhatsApp write of an update, named as the client's field.
type groupChange struct {
	field string
	apply func(ctx context.Context) error
}

// handleGroupUpdate changes a group's name, description, picture or permissions (RyzeAPI
// section 2.3.4). The group is read first and only the values that differ are written, so
// sending the same values again changes nothing ("partial" idempotency in the reference); the
// picture is always written, since WhatsApp cannot say whether it is the same. The message lists
// the fields updated: "Group updated successfully: name, description", or "No changes: the
// group already has these values". The image is loaded before any write, so a bad image is a
// 400 that leaves the group untouched. If a write fails after others succeeded, the error says
// which fields were already updated. Errors: 400 for a bad body, "Identifier is required", an
// empty update ("At least one field to update is required: ..."), a bad image; 404 "Group not
// found or you are not a member of this group"; 403 "Not authorized to update group (must be
// admin)".
func (s *Server) handleGroupUpdate(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	var req groupUpdateRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	ref, err := parseIdentifier(req.Identifier)
	if err != nil {
		return err
	}
	image := strings.TrimSpace(req.Image)
	if req.Name == nil && req.Description == nil && image == "" && !req.RemoveImage && req.GroupSettings.empty() {
		return invalid(msgUpdateNothing)
	}
	var name string
	if req.Name != nil {
		if name, err = validGroupName(*req.Name); err != nil {
			return err
		}
	}
	if req.Description != nil {
		if err := validGroupDescription(*req.Description); err != nil {
			return err
		}
	}
	gc, err := s.groupClient(inst)
	if err != nil {
		return err
	}
	ctx := r.Context()
	var picture []byte
	if image != "" && !req.RemoveImage { // removeImage takes precedence (reference)
		if picture, err = s.loadImage(ctx, image); err != nil {
			return err
		}
	}
	jid, err := resolveGroup(ctx, gc, ref)
	if err != nil {
		return err
	}
	g, err := gc.GroupInfo(ctx, jid)
	if err != nil {
		return groupFailure(err, msgUpdateNotAdmin)
	}

	changes := plannedChanges(gc, g, req, name, picture)
	var updated []string
	for _, c := range changes {
		if err := c.apply(ctx); err != nil {
			mapped := groupFailure(err, msgUpdateNotAdmin)
			if len(updated) > 0 {
				mapped = switchboard.Wrap(switchboard.ErrorCodeOf(mapped),
					switchboard.ErrorMessageOf(mapped)+" (already updated: "+strings.Join(dedupe(updated), ", ")+")", err)
			}
			return mapped
		}
		updated = append(updated, c.field)
	}
	message := msgUpdateNoChange
	if len(updated) > 0 {
		message = "Group updated successfully: " + strings.Join(dedupe(updated), ", ")
	}
	code := s.inviteCodeIfAdmin(ctx, gc, g)
	writeJSON(w, http.StatusOK, groupUpdateResponse{
		envelope: ok(message),
		Group:    newGroupInfoJSON(g, code, false),
		Updated:  append([]string{}, dedupe(updated)...),
	})
	return nil
}

// plannedChanges lists the writes an update needs against the current group g, and applies
// each to g as it succeeds, so the answer shows the group as it now is without another read.
func plannedChanges(gc switchboard.GroupClient, g *switchboard.Group, req groupUpdateRequest, name string, picture []byte) []groupChange {
	var changes []groupChange
	add := func(field string, differs bool, write func(context.Context) error, local func()) {
		if !differs {
			return
		}
		changes = append(changes, groupChange{field: field, apply: func(ctx context.Context) error {
			if err := write(ctx); err != nil {
				return err
			}
			local()
			return nil
		}})
	}
	if req.Name != nil {
		add("name", name != g.Name,
			func(ctx context.Context) error { return gc.SetName(ctx, g.JID, name) },
			func() { g.Name = name })
	}
	if req.Description != nil {
		desc := *req.Description
		add("description", desc != g.Topic,
			func(ctx context.Context) error { return gc.SetTopic(ctx, g.JID, desc) },
			func() { g.Topic = desc })
	}
	if set := req.GroupSettings; set != nil {
		if v := set.MembersCanEditInfo; v != nil {
			add("groupSettings", *v == g.Locked,
				func(ctx context.Context) error { return gc.SetLocked(ctx, g.JID, !*v) },
				func() { g.Locked = !*v })
		}
		if v := set.MembersCanSendMessages; v != nil {
			add("groupSettings", *v == g.Announce,
				func(ctx context.Context) error { return gc.SetAnnounce(ctx, g.JID, !*v) },
				func() { g.Announce = !*v })
		}
		if v := set.MembersCanAddOthers; v != nil {
			mode := memberAddMode(*v)
			add("groupSettings", mode != g.MemberAddMode,
				func(ctx context.Context) error { return gc.SetMemberAddMode(ctx, g.JID, *v) },
				func() { g.MemberAddMode = mode })
		}
		if v := set.RequireAdminApproval; v != nil {
			add("groupSettings", *v != g.JoinApproval,
				func(ctx context.Context) error { return gc.SetJoinApproval(ctx, g.JID, *v) },
				func() { g.JoinApproval = *v })
		}
	}
	switch {
	case req.RemoveImage:
		add("image", true, func(ctx context.Context) error { return gc.SetPhoto(ctx, g.JID, nil) }, func() {})
	case picture != nil:
		add("image", true, func(ctx context.Context) error { return gc.SetPhoto(ctx, g.JID, picture) }, func() {})
	}
	return changes
}

// dedupe collapses repeated field names; the permission writes, all "groupSettings", are
// adjacent.
func dedupe(fields []string) []string {
	var out []string
	for _, f := range fields {
		if len(out) == 0 || out[len(out)-1] != f {
			out = append(out, f)
		}
	}
	return out
}
