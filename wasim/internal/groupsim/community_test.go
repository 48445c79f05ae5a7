package groupsim

import (
	"testing"

	"go.mau.fi/whatsmeow"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// communityFixture: alice owns club (bob plain member) and other; groups
// for every link rule.
type communityFixture struct {
	club, ann, other, otherAnn         types.JID
	free, free2, bobOwns, carolOnly    types.JID
	linkedElsewhere, plain, unknownJID types.JID
}

func newCommunityFixture(h *harness) communityFixture {
	var f communityFixture
	f.club, f.ann = h.mkCommunity(alice, "Club", bob)
	f.other, f.otherAnn = h.mkCommunity(alice, "Other")
	f.free = h.mkGroup(alice, "Free", bob, dave)
	f.free2 = h.mkGroup(alice, "Free2")
	f.bobOwns = h.mkGroup(bob, "BobOwns", alice) // alice is a plain member
	f.carolOnly = h.mkGroup(carol, "CarolOnly")  // alice is not in it
	f.linkedElsewhere = h.mkGroup(alice, "Elsewhere")
	h.ok(first(h.g2(alice, "set", f.other, linkReq(f.linkedElsewhere))))
	f.plain = h.mkGroup(alice, "Plain")
	f.unknownJID = groupJID("120363999999999999")
	return f
}

func TestLinkRules(t *testing.T) {
	cases := []struct {
		name  string
		cfg   Config
		actor types.JID
		setup func(h *harness, f communityFixture)
		to    func(f communityFixture) types.JID
		child func(f communityFixture) types.JID
		want  error // nil = linked (or already linked)
	}{
		{name: "ok", actor: alice, to: club, child: free},
		{name: "unknown community", actor: alice, to: func(f communityFixture) types.JID { return f.unknownJID }, child: free, want: ErrIQ(404)},
		{name: "unknown group", actor: alice, to: club, child: func(f communityFixture) types.JID { return f.unknownJID }, want: ErrIQ(404)},
		{name: "not in community", actor: carol, to: club, child: func(f communityFixture) types.JID { return f.carolOnly }, want: ErrIQ(403)},
		{name: "not in group", actor: alice, to: club, child: func(f communityFixture) types.JID { return f.carolOnly }, want: ErrIQ(403)},
		{name: "not community admin", actor: bob, to: club, child: func(f communityFixture) types.JID { return f.bobOwns }, want: ErrIQ(401)},
		{name: "not group admin", actor: alice, to: club, child: func(f communityFixture) types.JID { return f.bobOwns }, want: ErrIQ(401)},
		{name: "target not a community", actor: alice, to: func(f communityFixture) types.JID { return f.plain }, child: free, want: ErrIQ(400)},
		{name: "link a community", actor: alice, to: club, child: func(f communityFixture) types.JID { return f.other }, want: ErrIQ(400)},
		{name: "link own announcement group", actor: alice, to: club, child: func(f communityFixture) types.JID { return f.ann }, want: ErrIQ(400)},
		{name: "link other announcement group", actor: alice, to: club, child: func(f communityFixture) types.JID { return f.otherAnn }, want: ErrIQ(400)},
		{name: "linked to another community", actor: alice, to: club, child: func(f communityFixture) types.JID { return f.linkedElsewhere }, want: ErrIQ(400)},
		{name: "linked elsewhere, custom code", cfg: Config{LinkConflictCode: 406, LinkConflictText: "not-acceptable"},
			actor: alice, to: club, child: func(f communityFixture) types.JID { return f.linkedElsewhere }, want: ErrIQ(406)},
		{name: "already linked here is idempotent", actor: alice, to: club, child: free,
			setup: func(h *harness, f communityFixture) { h.ok(first(h.g2(alice, "set", f.club, linkReq(f.free)))) }},
		{name: "limit, announcement not counted", cfg: Config{MaxSubGroups: 1}, actor: alice, to: club, child: func(f communityFixture) types.JID { return f.free2 },
			setup: func(h *harness, f communityFixture) { h.ok(first(h.g2(alice, "set", f.club, linkReq(f.free)))) }, want: ErrIQ(419)},
		{name: "limit, custom code", cfg: Config{MaxSubGroups: 1, SubGroupLimitCode: 429, SubGroupLimitText: "rate-overlimit"},
			actor: alice, to: club, child: func(f communityFixture) types.JID { return f.free2 },
			setup: func(h *harness, f communityFixture) { h.ok(first(h.g2(alice, "set", f.club, linkReq(f.free)))) }, want: errRateOverLimit},
		{name: "limit disabled", cfg: Config{MaxSubGroups: -1}, actor: alice, to: club, child: func(f communityFixture) types.JID { return f.free2 },
			setup: func(h *harness, f communityFixture) { h.ok(first(h.g2(alice, "set", f.club, linkReq(f.free)))) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.cfg)
			f := newCommunityFixture(h)
			if tc.setup != nil {
				tc.setup(h, f)
			}
			to, child := tc.to(f), tc.child(f)
			beforeParent := h.viewParent(child)
			resp, notes := h.g2(tc.actor, "set", to, linkReq(child))
			if tc.want != nil {
				h.wantErr(resp, tc.want)
				if len(notes) != 0 || h.viewParent(child) != beforeParent {
					t.Fatal("refused link changed something")
				}
				return
			}
			h.ok(resp)
			if h.viewParent(child) != to {
				t.Fatal("not linked")
			}
			if beforeParent == to {
				if len(notes) != 0 {
					t.Fatal("idempotent link notified")
				}
				return
			}
			h.checkLinkNotes(notes, "link", to, child)
			// The child now reports its parent.
			if info := h.groupInfo(first(h.g2(alice, "get", child, queryReq()))); info.LinkedParentJID != to {
				t.Fatalf("linked_parent %s", info.LinkedParentJID)
			}
		})
	}
}

var errRateOverLimit = whatsmeow.ErrIQRateOverLimit

func club(f communityFixture) types.JID { return f.club }
func free(f communityFixture) types.JID { return f.free }

func (h *harness) viewParent(g types.JID) types.JID {
	v, _ := h.e.Group(g)
	return v.Parent
}

// checkLinkNotes: community members get <link|unlink type=sub_group> about
// the child, child members get type=parent_group about the community.
func (h *harness) checkLinkNotes(notes []Notification, tag string, parent, child types.JID) {
	h.t.Helper()
	if len(notes) != 2 {
		h.t.Fatalf("notes %s", dumpNotes(notes))
	}
	pv, _ := h.e.Group(parent)
	cv, _ := h.e.Group(child)
	for i, n := range notes {
		evt := h.info(n)
		change := evt.Link
		if tag == "unlink" {
			change = evt.Unlink
			if change != nil && change.UnlinkReason != types.GroupUnlinkReasonDefault {
				h.t.Fatalf("unlink reason %q", change.UnlinkReason)
			}
		}
		if change == nil {
			h.t.Fatalf("no %s in %s", tag, n.Node.String())
		}
		if i == 0 {
			if evt.JID != parent || change.Type != types.GroupLinkChangeTypeSub || change.Group.JID != child || change.Group.Name != cv.Name {
				h.t.Fatalf("community side %+v", change)
			}
			sameUsers(h.t, n.To, viewMembers(pv)...)
		} else {
			if evt.JID != child || change.Type != types.GroupLinkChangeTypeParent || change.Group.JID != parent {
				h.t.Fatalf("group side %+v", change)
			}
			sameUsers(h.t, n.To, viewMembers(cv)...)
		}
	}
}

func viewMembers(v GroupView) []types.JID {
	var out []types.JID
	for _, p := range v.Participants {
		out = append(out, p.JID)
	}
	return out
}

func TestUnlinkRules(t *testing.T) {
	h := newHarness(t, Config{})
	f := newCommunityFixture(h)
	h.ok(first(h.g2(alice, "set", f.club, linkReq(f.free))))

	h.wantErr(first(h.g2(alice, "set", f.unknownJID, unlinkReq(f.free))), ErrIQ(404))
	h.wantErr(first(h.g2(alice, "set", f.club, unlinkReq(f.unknownJID))), ErrIQ(404))
	h.wantErr(first(h.g2(carol, "set", f.club, unlinkReq(f.free))), ErrIQ(403))
	h.wantErr(first(h.g2(bob, "set", f.club, unlinkReq(f.free))), ErrIQ(401))
	h.wantErr(first(h.g2(alice, "set", f.club, unlinkReq(f.ann))), ErrIQ(400))
	h.wantErr(first(h.g2(alice, "set", f.club, unlinkReq(f.linkedElsewhere))), ErrIQ(404))
	h.wantErr(first(h.g2(alice, "set", f.club, unlinkReq(f.plain))), ErrIQ(404))
	h.wantErr(first(h.g2(alice, "set", f.plain, unlinkReq(f.free))), ErrIQ(400))
	bad := unlinkReq(f.free)
	bad.Attrs["unlink_type"] = "parent_group"
	h.wantErr(first(h.g2(alice, "set", f.club, bad)), ErrIQ(400))

	resp, notes := h.g2(alice, "set", f.club, unlinkReq(f.free))
	h.ok(resp)
	h.checkLinkNotes(notes, "unlink", f.club, f.free)
	if h.viewParent(f.free) != types.EmptyJID {
		t.Fatal("still linked")
	}
	// Unlinking again: no longer linked here.
	h.wantErr(first(h.g2(alice, "set", f.club, unlinkReq(f.free))), ErrIQ(404))
}

func TestSubGroupsAndLinkedParticipants(t *testing.T) {
	h := newHarness(t, Config{})
	f := newCommunityFixture(h)
	h.ok(first(h.g2(alice, "set", f.club, linkReq(f.free))))

	resp, _ := h.g2(dave, "get", f.club, subGroupsReq()) // dave is only in a subgroup
	resp = h.ok(resp)
	subList := resp.GetChildByTag("sub_groups")
	subs := subList.GetChildren()
	if len(subs) != 2 {
		t.Fatalf("sub_groups %s", resp.String())
	}
	// parseGroupLinkTargetNode is reached through a link notification.
	targets := make([]types.GroupLinkTarget, len(subs))
	for i, s := range subs {
		if s.Attrs["id"] == nil || s.Attrs["jid"] != nil {
			t.Fatalf("sub group should carry id (user part): %s", s.String())
		}
		note := waBinary.Node{Tag: "notification", Attrs: waBinary.Attrs{"type": "w:gp2", "from": f.club, "t": "1", "id": "1"},
			Content: []waBinary.Node{{Tag: "link", Attrs: waBinary.Attrs{"link_type": "sub_group"}, Content: []waBinary.Node{s}}}}
		targets[i] = h.info(Notification{Node: wire(t, note)}).Link.Group
	}
	if targets[0].JID != f.ann || !targets[0].IsDefaultSubGroup || targets[0].Name != "Club" || !targets[0].NameSetAt.Equal(testNow) {
		t.Fatalf("announcement target %+v", targets[0])
	}
	if targets[1].JID != f.free || targets[1].IsDefaultSubGroup || targets[1].Name != "Free" {
		t.Fatalf("subgroup target %+v", targets[1])
	}

	resp, _ = h.g2(alice, "get", f.club, linkedPartsReq())
	resp = h.ok(resp)
	lgp := resp.GetChildByTag("linked_groups_participants")
	// parseParticipantList is reached through an <add> change.
	note := waBinary.Node{Tag: "notification", Attrs: waBinary.Attrs{"type": "w:gp2", "from": f.club, "t": "1", "id": "1"},
		Content: []waBinary.Node{{Tag: "add", Content: lgp.GetChildren()}}}
	sameUsers(t, h.info(Notification{Node: wire(t, note)}).Join, alice, bob, dave)
	for _, p := range lgp.GetChildren() {
		if p.Attrs["lid"] == nil {
			t.Fatalf("participant without lid %s", p.String())
		}
	}

	for _, req := range []waBinary.Node{subGroupsReq(), linkedPartsReq()} {
		h.wantErr(first(h.g2(carol, "get", f.club, req)), ErrIQ(403))
		h.wantErr(first(h.g2(alice, "get", f.plain, req)), ErrIQ(400))
		h.wantErr(first(h.g2(alice, "get", f.unknownJID, req)), ErrIQ(404))
	}
}
