package whatsapp

import (
	"slices"
	"testing"

	"github.com/switchboard/switchboard"
)

// connectedGroups pairs a fresh instance as phone and returns its group client.
func connectedGroups(t *testing.T, e *env, phone string) (*Manager, *switchboard.Instance, switchboard.GroupClient) {
	t.Helper()
	m := e.manager()
	inst := e.instance("groups-" + phone)
	e.pairQR(m, inst, phone)
	gc, err := m.Groups(e.row(inst))
	if err != nil {
		t.Fatalf("Groups: %v", err)
	}
	return m, inst, gc
}

func register(t *testing.T, e *env, phone string) switchboard.JID {
	t.Helper()
	j, err := e.sim.RegisterPhone(phone, "")
	if err != nil {
		t.Fatalf("RegisterPhone: %v", err)
	}
	return toDomainJID(j)
}

func hasMember(g *switchboard.Group, who switchboard.JID, admin bool) bool {
	for _, p := range g.Participants {
		for _, j := range []switchboard.JID{p.JID, p.PhoneNumber} {
			if j.ToNonAD() == who.ToNonAD() && (!admin || p.IsAdmin || p.IsSuperAdmin) {
				return true
			}
		}
	}
	return false
}

func TestGroupsCommunityLifecycle(t *testing.T) {
	e := newEnv(t)
	_, _, gc := connectedGroups(t, e, "5511700001111")
	ctx := ctxT(t)
	alice := register(t, e, "5511700002222")
	bob := register(t, e, "5511700003333")
	own := gc.OwnJID()
	if own.String() != "5511700001111@s.whatsapp.net" {
		t.Fatalf("own jid %s", own)
	}

	community, err := gc.CreateGroup(ctx, switchboard.CreateGroupParams{Name: "Neighbours", IsCommunity: true, Description: "street news"})
	if err != nil {
		t.Fatalf("create community: %v", err)
	}
	if !community.IsCommunity || community.Topic != "street news" || !hasMember(community, own, true) {
		t.Fatalf("community %+v", community)
	}
	group, err := gc.CreateGroup(ctx, switchboard.CreateGroupParams{
		Name: "Garden", Participants: []switchboard.JID{alice}, Locked: true, MemberAddMode: "admin_add",
	})
	if err != nil {
		t.Fatalf("create group: %v", err)
	}
	if !group.JID.IsGroup() || !group.Locked || !hasMember(group, alice, false) || !hasMember(group, own, true) {
		t.Fatalf("group %+v", group)
	}
	inside, err := gc.CreateGroup(ctx, switchboard.CreateGroupParams{Name: "Inside", LinkedParent: community.JID})
	if err != nil {
		t.Fatalf("create group inside the community: %v", err)
	}
	if inside.LinkedParent != community.JID {
		t.Fatalf("group created inside the community: %+v", inside)
	}

	// Link through the domain's batch linker, the seed route's logic, on this client.
	linker := switchboard.CommunityLinker{}
	results := linker.Link(ctx, gc, switchboard.LinkBatch{Community: community.JID, Groups: []string{group.JID.String()}})
	if len(results) != 1 || results[0].Status != switchboard.LinkStatusLinked {
		t.Fatalf("link results %+v", results)
	}
	info, err := gc.GroupInfo(ctx, group.JID)
	if err != nil || info.LinkedParent != community.JID {
		t.Fatalf("group after link: %+v %v", info, err)
	}
	subs, err := gc.SubGroups(ctx, community.JID)
	if err != nil {
		t.Fatalf("SubGroups: %v", err)
	}
	var announce, linked int
	for _, s := range subs {
		if s.IsDefault {
			announce++
		}
		if s.JID == group.JID || s.JID == inside.JID {
			linked++
		}
	}
	if announce != 1 || linked != 2 {
		t.Fatalf("subgroups %+v", subs)
	}
	members, err := gc.LinkedGroupsParticipants(ctx, community.JID)
	if err != nil || !slices.Contains(members, own) || !slices.Contains(members, alice) {
		t.Fatalf("linked participants %v %v", members, err)
	}
	if err := gc.UnlinkGroup(ctx, community.JID, group.JID); err != nil {
		t.Fatalf("UnlinkGroup: %v", err)
	}
	if v, _ := e.sim.Group(toWAJID(group.JID)); !v.Parent.IsEmpty() {
		t.Fatalf("simulator still links the group to %s", v.Parent)
	}
	if err := gc.LinkGroup(ctx, community.JID, group.JID); err != nil {
		t.Fatalf("LinkGroup: %v", err)
	}

	// Settings and participants.
	if err := gc.SetName(ctx, group.JID, "Garden club"); err != nil {
		t.Fatalf("SetName: %v", err)
	}
	if err := gc.SetTopic(ctx, group.JID, "tomatoes"); err != nil {
		t.Fatalf("SetTopic: %v", err)
	}
	if err := gc.SetTopic(ctx, group.JID, "tomatoes and beans"); err != nil {
		t.Fatalf("SetTopic again: %v", err)
	}
	if err := gc.SetAnnounce(ctx, group.JID, true); err != nil {
		t.Fatalf("SetAnnounce: %v", err)
	}
	if err := gc.SetLocked(ctx, group.JID, false); err != nil {
		t.Fatalf("SetLocked: %v", err)
	}
	if err := gc.SetJoinApproval(ctx, group.JID, true); err != nil {
		t.Fatalf("SetJoinApproval: %v", err)
	}
	if err := gc.SetMemberAddMode(ctx, group.JID, true); err != nil {
		t.Fatalf("SetMemberAddMode: %v", err)
	}
	res, err := gc.UpdateParticipants(ctx, group.JID, switchboard.ActionAdd, []switchboard.JID{bob})
	if err != nil || len(res) != 1 || !res[0].OK || res[0].JID != bob {
		t.Fatalf("add bob: %+v %v", res, err)
	}
	if res, err = gc.UpdateParticipants(ctx, group.JID, switchboard.ActionPromote, []switchboard.JID{bob}); err != nil || !res[0].OK {
		t.Fatalf("promote bob: %+v %v", res, err)
	}
	info, err = gc.GroupInfo(ctx, group.JID)
	if err != nil {
		t.Fatalf("GroupInfo: %v", err)
	}
	if info.Name != "Garden club" || info.Topic != "tomatoes and beans" || !info.Announce || info.Locked ||
		!info.JoinApproval || info.MemberAddMode != "all_member_add" || !hasMember(info, bob, true) {
		t.Fatalf("group after changes: %+v", info)
	}
	if res, err = gc.UpdateParticipants(ctx, group.JID, switchboard.ActionRemove, []switchboard.JID{bob}); err != nil || !res[0].OK {
		t.Fatalf("remove bob: %+v %v", res, err)
	}
	if _, err := gc.UpdateParticipants(ctx, group.JID, "kick", []switchboard.JID{bob}); !switchboard.IsCode(err, switchboard.CodeInvalid) {
		t.Fatalf("unknown action: %v", err)
	}
	if reqs, err := gc.JoinRequests(ctx, group.JID); err != nil || len(reqs) != 0 {
		t.Fatalf("JoinRequests: %+v %v", reqs, err)
	}

	// Invites.
	code, err := gc.InviteCode(ctx, group.JID, false)
	if err != nil || code == "" {
		t.Fatalf("InviteCode: %q %v", code, err)
	}
	byInvite, err := gc.GroupInfoFromInvite(ctx, code)
	if err != nil || byInvite.JID != group.JID {
		t.Fatalf("GroupInfoFromInvite: %+v %v", byInvite, err)
	}
	fresh, err := gc.InviteCode(ctx, group.JID, true)
	if err != nil || fresh == code {
		t.Fatalf("reset invite: %q %v", fresh, err)
	}
	if _, err := gc.GroupInfoFromInvite(ctx, code); !switchboard.IsCode(err, switchboard.CodeNotFound) ||
		switchboard.ErrorMessageOf(err) != "The invite link has been revoked" {
		t.Fatalf("revoked invite: %v", err)
	}

	joined, err := gc.JoinedGroups(ctx)
	if err != nil {
		t.Fatalf("JoinedGroups: %v", err)
	}
	if !slices.ContainsFunc(joined, func(g *switchboard.Group) bool { return g.JID == group.JID }) {
		t.Fatalf("joined groups lack %s", group.JID)
	}
	if err := gc.Leave(ctx, inside.JID); err != nil {
		t.Fatalf("Leave: %v", err)
	}
	if _, err := gc.GroupInfo(ctx, inside.JID); !switchboard.IsCode(err, switchboard.CodeForbidden) {
		t.Fatalf("GroupInfo after leaving: %v", err)
	}
}

func TestGroupsJoinByInviteWithApproval(t *testing.T) {
	e := newEnv(t)
	m := e.manager()
	ctx := ctxT(t)
	admin, member := e.instance("admin"), e.instance("member")
	e.pairQR(m, admin, "5511600001111")
	e.pairQR(m, member, "5511600002222")
	adminGC, err := m.Groups(e.row(admin))
	if err != nil {
		t.Fatal(err)
	}
	memberGC, err := m.Groups(e.row(member))
	if err != nil {
		t.Fatal(err)
	}

	open, err := adminGC.CreateGroup(ctx, switchboard.CreateGroupParams{Name: "Open"})
	if err != nil {
		t.Fatalf("create open group: %v", err)
	}
	closed, err := adminGC.CreateGroup(ctx, switchboard.CreateGroupParams{Name: "Closed", JoinApproval: true})
	if err != nil || !closed.JoinApproval {
		t.Fatalf("create approval group: %+v %v", closed, err)
	}
	// Not a member yet: reading the group is forbidden.
	if _, err := memberGC.GroupInfo(ctx, open.JID); !switchboard.IsCode(err, switchboard.CodeForbidden) {
		t.Fatalf("GroupInfo of a foreign group: %v", err)
	}

	jid, pending, err := memberGC.JoinWithInvite(ctx, invite(t, adminGC, open.JID))
	if err != nil || pending || jid != open.JID {
		t.Fatalf("join open group: %s %v %v", jid, pending, err)
	}
	jid, pending, err = memberGC.JoinWithInvite(ctx, invite(t, adminGC, closed.JID))
	if err != nil || !pending || jid != closed.JID {
		t.Fatalf("join approval group: %s %v %v", jid, pending, err)
	}
	reqs, err := adminGC.JoinRequests(ctx, closed.JID)
	if err != nil || len(reqs) != 1 || reqs[0].PhoneNumber != memberGC.OwnJID() {
		t.Fatalf("JoinRequests: %+v %v", reqs, err)
	}
	res, err := adminGC.UpdateParticipants(ctx, closed.JID, switchboard.ActionApprove, []switchboard.JID{reqs[0].JID})
	if err != nil || len(res) != 1 || !res[0].OK {
		t.Fatalf("approve: %+v %v", res, err)
	}
	if _, err := memberGC.GroupInfo(ctx, closed.JID); err != nil {
		t.Fatalf("GroupInfo after approval: %v", err)
	}
	if _, _, err := memberGC.JoinWithInvite(ctx, "AAAAAAAAAAAAAAAAAAAAAA"); !switchboard.IsCode(err, switchboard.CodeInvalid) {
		t.Fatalf("join with an unknown code: %v", err)
	}
	// A member who is not an admin cannot read the invite link.
	if _, err := memberGC.InviteCode(ctx, open.JID, false); !switchboard.IsCode(err, switchboard.CodeForbidden) {
		t.Fatalf("InviteCode as a plain member: %v", err)
	}
}

func invite(t *testing.T, gc switchboard.GroupClient, group switchboard.JID) string {
	t.Helper()
	code, err := gc.InviteCode(ctxT(t), group, false)
	if err != nil {
		t.Fatalf("InviteCode: %v", err)
	}
	return code
}
