package whatsapp

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard"
)

// groupClient is switchboard.GroupClient on one logged-in whatsmeow client. Every method is one
// WhatsApp round trip (a few documented ones make two) under the caller's context, with errors
// translated by translate.
type groupClient struct {
	cli    *whatsmeow.Client
	own    types.JID // the instance's phone JID, without device
	ownLID types.JID
	log    *slog.Logger
}

var _ switchboard.GroupClient = (*groupClient)(nil)

func (g *groupClient) OwnJID() switchboard.JID { return toDomainJID(g.own) }

func (g *groupClient) group(info *types.GroupInfo) *switchboard.Group {
	return toDomainGroup(info, g.own, g.ownLID)
}

func (g *groupClient) GroupInfo(ctx context.Context, group switchboard.JID) (*switchboard.Group, error) {
	info, err := g.cli.GetGroupInfo(ctx, toWAJID(group))
	if err != nil {
		return nil, translate(err)
	}
	return g.group(info), nil
}

func (g *groupClient) JoinedGroups(ctx context.Context) ([]*switchboard.Group, error) {
	infos, err := g.cli.GetJoinedGroups(ctx)
	if err != nil {
		return nil, translate(err)
	}
	out := make([]*switchboard.Group, 0, len(infos))
	for _, info := range infos {
		out = append(out, g.group(info))
	}
	return out, nil
}

// CreateGroup creates a group, a community (IsCommunity) or a group inside a community
// (LinkedParent). The pinned whatsmeow cannot send a description or a member-add mode with the
// create request, so those are follow-up calls. If a follow-up fails, the group exists anyway:
// CreateGroup then returns the created group AND the follow-up's error, so the caller can report
// the partial success instead of retrying into a duplicate group.
func (g *groupClient) CreateGroup(ctx context.Context, p switchboard.CreateGroupParams) (*switchboard.Group, error) {
	req := whatsmeow.ReqCreateGroup{Name: p.Name, Participants: toWAJIDs(p.Participants)}
	req.IsLocked = p.Locked
	req.IsAnnounce = p.Announce
	req.IsJoinApprovalRequired = p.JoinApproval
	switch {
	case p.IsCommunity:
		req.IsParent = true // WhatsApp creates the announcement subgroup by itself
	case !p.LinkedParent.IsZero():
		req.LinkedParentJID = toWAJID(p.LinkedParent)
	}
	info, err := g.cli.CreateGroup(ctx, req)
	if err != nil {
		return nil, translate(err)
	}
	created := g.group(info)
	if p.Description != "" {
		if err := g.cli.SetGroupDescription(ctx, info.JID, p.Description); err != nil {
			return created, followUpFailed("description", err)
		}
		created.Topic = p.Description
	}
	if p.MemberAddMode != "" && p.MemberAddMode != string(info.MemberAddMode) {
		if err := g.cli.SetGroupMemberAddMode(ctx, info.JID, types.GroupMemberAddMode(p.MemberAddMode)); err != nil {
			return created, followUpFailed("member add mode", err)
		}
		created.MemberAddMode = p.MemberAddMode
	}
	return created, nil
}

func followUpFailed(what string, err error) error {
	code, msg := classify(err)
	return switchboard.Wrap(code, "Group created, but setting its "+what+" failed: "+msg, err)
}

func (g *groupClient) SubGroups(ctx context.Context, community switchboard.JID) ([]switchboard.SubGroup, error) {
	subs, err := g.cli.GetSubGroups(ctx, toWAJID(community))
	if err != nil {
		return nil, translate(err)
	}
	return toDomainSubGroups(subs), nil
}

func (g *groupClient) LinkedGroupsParticipants(ctx context.Context, community switchboard.JID) ([]switchboard.JID, error) {
	members, err := g.cli.GetLinkedGroupsParticipants(ctx, toWAJID(community))
	if err != nil {
		return nil, translate(err)
	}
	return toDomainJIDs(members), nil
}

func (g *groupClient) LinkGroup(ctx context.Context, community, group switchboard.JID) error {
	return translate(g.cli.LinkGroup(ctx, toWAJID(community), toWAJID(group)))
}

func (g *groupClient) UnlinkGroup(ctx context.Context, community, group switchboard.JID) error {
	return translate(g.cli.UnlinkGroup(ctx, toWAJID(community), toWAJID(group)))
}

func (g *groupClient) SetName(ctx context.Context, group switchboard.JID, name string) error {
	return translate(g.cli.SetGroupName(ctx, toWAJID(group), name))
}

// SetTopic reads the current topic id first, as WhatsApp wants it in "prev". whatsmeow would do
// that read itself, but it flattens the read's error into a string (losing "not found" and "not
// a member"), so the read happens here.
func (g *groupClient) SetTopic(ctx context.Context, group switchboard.JID, topic string) error {
	jid := toWAJID(group)
	info, err := g.cli.GetGroupInfo(ctx, jid)
	if err != nil {
		return translate(err)
	}
	return translate(g.cli.SetGroupTopic(ctx, jid, info.TopicID, "", topic))
}

func (g *groupClient) SetPhoto(ctx context.Context, group switchboard.JID, jpeg []byte) error {
	_, err := g.cli.SetGroupPhoto(ctx, toWAJID(group), jpeg)
	return translate(err)
}

func (g *groupClient) SetLocked(ctx context.Context, group switchboard.JID, locked bool) error {
	return translate(g.cli.SetGroupLocked(ctx, toWAJID(group), locked))
}

func (g *groupClient) SetAnnounce(ctx context.Context, group switchboard.JID, announce bool) error {
	return translate(g.cli.SetGroupAnnounce(ctx, toWAJID(group), announce))
}

func (g *groupClient) SetJoinApproval(ctx context.Context, group switchboard.JID, on bool) error {
	return translate(g.cli.SetGroupJoinApprovalMode(ctx, toWAJID(group), on))
}

func (g *groupClient) SetMemberAddMode(ctx context.Context, group switchboard.JID, allMembers bool) error {
	mode := types.GroupMemberAddModeAdmin
	if allMembers {
		mode = types.GroupMemberAddModeAllMember
	}
	return translate(g.cli.SetGroupMemberAddMode(ctx, toWAJID(group), mode))
}

// UpdateParticipants adds, removes, promotes or demotes members, or approves or rejects pending
// join requests (WhatsApp has a separate request for those two). Per-participant refusals are
// results, not errors.
func (g *groupClient) UpdateParticipants(ctx context.Context, group switchboard.JID, action switchboard.GroupAction, users []switchboard.JID) ([]switchboard.ParticipantResult, error) {
	jid, targets := toWAJID(group), toWAJIDs(users)
	var (
		answered []types.GroupParticipant
		err      error
	)
	switch action {
	case switchboard.ActionAdd, switchboard.ActionRemove, switchboard.ActionPromote, switchboard.ActionDemote:
		answered, err = g.cli.UpdateGroupParticipants(ctx, jid, targets, whatsmeow.ParticipantChange(action))
	case switchboard.ActionApprove, switchboard.ActionReject:
		answered, err = g.cli.UpdateGroupRequestParticipants(ctx, jid, targets, whatsmeow.ParticipantRequestChange(action))
	default:
		return nil, switchboard.Errorf(switchboard.CodeInvalid, "Unknown participant action %q", action)
	}
	if err != nil {
		return nil, translate(err)
	}
	return toParticipantResults(targets, answered), nil
}

// JoinRequests lists pending join requests. WhatsApp names requesters by LID in LID-addressed
// groups; the phone number is filled in when whatsmeow's LID map knows it.
func (g *groupClient) JoinRequests(ctx context.Context, group switchboard.JID) ([]switchboard.JoinRequest, error) {
	reqs, err := g.cli.GetGroupRequestParticipants(ctx, toWAJID(group))
	if err != nil {
		return nil, translate(err)
	}
	out := make([]switchboard.JoinRequest, 0, len(reqs))
	for _, r := range reqs {
		jr := switchboard.JoinRequest{JID: toDomainJID(r.JID), RequestedAt: r.RequestedAt}
		switch r.JID.Server {
		case types.DefaultUserServer:
			jr.PhoneNumber = toDomainJID(r.JID.ToNonAD())
		case types.HiddenUserServer:
			if pn, err := g.cli.Store.LIDs.GetPNForLID(ctx, r.JID); err == nil && !pn.IsEmpty() {
				jr.PhoneNumber = toDomainJID(pn.ToNonAD())
			}
		}
		out = append(out, jr)
	}
	return out, nil
}

// InviteCode returns the group's invite code (the part after https://chat.whatsapp.com/);
// reset revokes the old one first.
func (g *groupClient) InviteCode(ctx context.Context, group switchboard.JID, reset bool) (string, error) {
	link, err := g.cli.GetGroupInviteLink(ctx, toWAJID(group), reset)
	if err != nil {
		return "", translate(err)
	}
	return strings.TrimPrefix(link, whatsmeow.InviteLinkPrefix), nil
}

// GroupInfoFromInvite accepts a code or a full https://chat.whatsapp.com/ link.
func (g *groupClient) GroupInfoFromInvite(ctx context.Context, code string) (*switchboard.Group, error) {
	info, err := g.cli.GetGroupInfoFromLink(ctx, code)
	if err != nil {
		return nil, translate(err)
	}
	return g.group(info), nil
}

// JoinWithInvite joins by invite code. whatsmeow returns the group JID both when the join is
// done and when it is queued for admin approval, so a group-info read tells them apart: a
// pending requester is not a member yet (403).
func (g *groupClient) JoinWithInvite(ctx context.Context, code string) (switchboard.JID, bool, error) {
	jid, err := g.cli.JoinGroupWithLink(ctx, code)
	if err != nil {
		return switchboard.JID{}, false, translate(err)
	}
	pending := false
	if _, err := g.cli.GetGroupInfo(ctx, jid); err != nil {
		if errors.Is(err, whatsmeow.ErrNotInGroup) {
			pending = true
		} else {
			// The join itself succeeded; only the check failed. Report it as done.
			g.log.Warn("checking the joined group failed", "group", jid.String(), "err", err)
		}
	}
	return toDomainJID(jid), pending, nil
}

func (g *groupClient) Leave(ctx context.Context, group switchboard.JID) error {
	return translate(g.cli.LeaveGroup(ctx, toWAJID(group)))
}
