package whatsapp

import (
	"context"
	"time"

	"github.com/switchboard/switchboard"
)

// measuredGroups is a GroupClient that times and counts every WhatsApp round trip of the one it
// wraps. It sits between the manager and whatsmeow, so every route that reaches WhatsApp is
// counted once, whichever handler made the call.
type measuredGroups struct {
	next    switchboard.GroupClient
	metrics *waMetrics
}

var _ switchboard.GroupClient = measuredGroups{}

func (g measuredGroups) OwnJID() switchboard.JID { return g.next.OwnJID() }

func (g measuredGroups) GroupInfo(ctx context.Context, group switchboard.JID) (*switchboard.Group, error) {
	start := time.Now()
	info, err := g.next.GroupInfo(ctx, group)
	g.metrics.observe("group_info", start, err)
	return info, err
}

func (g measuredGroups) PictureURL(ctx context.Context, group switchboard.JID, community bool) (string, error) {
	start := time.Now()
	url, err := g.next.PictureURL(ctx, group, community)
	g.metrics.observe("picture_url", start, err)
	return url, err
}

func (g measuredGroups) JoinedGroups(ctx context.Context) ([]*switchboard.Group, error) {
	start := time.Now()
	groups, err := g.next.JoinedGroups(ctx)
	g.metrics.observe("joined_groups", start, err)
	return groups, err
}

func (g measuredGroups) CreateGroup(ctx context.Context, p switchboard.CreateGroupParams) (*switchboard.Group, error) {
	kind := "create_group"
	if p.IsCommunity {
		kind = "create_community"
	}
	start := time.Now()
	group, err := g.next.CreateGroup(ctx, p)
	g.metrics.observe(kind, start, err)
	return group, err
}

func (g measuredGroups) SubGroups(ctx context.Context, community switchboard.JID) ([]switchboard.SubGroup, error) {
	start := time.Now()
	subs, err := g.next.SubGroups(ctx, community)
	g.metrics.observe("sub_groups", start, err)
	return subs, err
}

func (g measuredGroups) LinkedGroupsParticipants(ctx context.Context, community switchboard.JID) ([]switchboard.JID, error) {
	start := time.Now()
	jids, err := g.next.LinkedGroupsParticipants(ctx, community)
	g.metrics.observe("linked_groups_participants", start, err)
	return jids, err
}

func (g measuredGroups) LinkGroup(ctx context.Context, community, group switchboard.JID) error {
	start := time.Now()
	err := g.next.LinkGroup(ctx, community, group)
	g.metrics.observe("link_group", start, err)
	g.metrics.linkResult("link", err)
	return err
}

func (g measuredGroups) UnlinkGroup(ctx context.Context, community, group switchboard.JID) error {
	start := time.Now()
	err := g.next.UnlinkGroup(ctx, community, group)
	g.metrics.observe("unlink_group", start, err)
	g.metrics.linkResult("unlink", err)
	return err
}

func (g measuredGroups) SetName(ctx context.Context, group switchboard.JID, name string) error {
	return g.timed("set_name", func() error { return g.next.SetName(ctx, group, name) })
}

func (g measuredGroups) SetTopic(ctx context.Context, group switchboard.JID, topic string) error {
	return g.timed("set_topic", func() error { return g.next.SetTopic(ctx, group, topic) })
}

func (g measuredGroups) SetPhoto(ctx context.Context, group switchboard.JID, jpeg []byte) error {
	return g.timed("set_photo", func() error { return g.next.SetPhoto(ctx, group, jpeg) })
}

func (g measuredGroups) SetLocked(ctx context.Context, group switchboard.JID, locked bool) error {
	return g.timed("set_locked", func() error { return g.next.SetLocked(ctx, group, locked) })
}

func (g measuredGroups) SetAnnounce(ctx context.Context, group switchboard.JID, announce bool) error {
	return g.timed("set_announce", func() error { return g.next.SetAnnounce(ctx, group, announce) })
}

func (g measuredGroups) SetJoinApproval(ctx context.Context, group switchboard.JID, on bool) error {
	return g.timed("set_join_approval", func() error { return g.next.SetJoinApproval(ctx, group, on) })
}

func (g measuredGroups) SetMemberAddMode(ctx context.Context, group switchboard.JID, allMembers bool) error {
	return g.timed("set_member_add_mode", func() error { return g.next.SetMemberAddMode(ctx, group, allMembers) })
}

func (g measuredGroups) UpdateParticipants(ctx context.Context, group switchboard.JID, action switchboard.GroupAction, users []switchboard.JID) ([]switchboard.ParticipantResult, error) {
	start := time.Now()
	results, err := g.next.UpdateParticipants(ctx, group, action, users)
	g.metrics.observe("update_participants", start, err)
	return results, err
}

func (g measuredGroups) JoinRequests(ctx context.Context, group switchboard.JID) ([]switchboard.JoinRequest, error) {
	start := time.Now()
	reqs, err := g.next.JoinRequests(ctx, group)
	g.metrics.observe("join_requests", start, err)
	return reqs, err
}

func (g measuredGroups) InviteCode(ctx context.Context, group switchboard.JID, reset bool) (string, error) {
	start := time.Now()
	code, err := g.next.InviteCode(ctx, group, reset)
	g.metrics.observe("invite_code", start, err)
	return code, err
}

func (g measuredGroups) GroupInfoFromInvite(ctx context.Context, code string) (*switchboard.Group, error) {
	start := time.Now()
	info, err := g.next.GroupInfoFromInvite(ctx, code)
	g.metrics.observe("group_info_from_invite", start, err)
	return info, err
}

func (g measuredGroups) JoinWithInvite(ctx context.Context, code string) (switchboard.JID, bool, error) {
	start := time.Now()
	jid, pending, err := g.next.JoinWithInvite(ctx, code)
	g.metrics.observe("join_with_invite", start, err)
	return jid, pending, err
}

func (g measuredGroups) Leave(ctx context.Context, group switchboard.JID) error {
	return g.timed("leave", func() error { return g.next.Leave(ctx, group) })
}

// timed runs one round trip that returns only an error and records it under kind.
func (g measuredGroups) timed(kind string, call func() error) error {
	start := time.Now()
	err := call()
	g.metrics.observe(kind, start, err)
	return err
}
