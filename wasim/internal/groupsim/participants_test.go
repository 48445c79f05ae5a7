package groupsim

import (
	"testing"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
)

func TestAddParticipants(t *testing.T) {
	h := newHarness(t, Config{})
	g := h.mkGroup(alice, "G", bob)

	h.wantErr(first(h.g2(dave, "set", g, participantsReq("add", erin))), ErrIQ(403))
	// Default member_add_mode is admin_add: members may not add.
	h.wantErr(first(h.g2(bob, "set", g, participantsReq("add", erin))), ErrIQ(401))
	h.wantErr(first(h.g2(alice, "set", groupJID("120363999999999999"), participantsReq("add", erin))), ErrIQ(404))
	h.wantErr(first(h.g2(alice, "set", g, participantsReq("add"))), ErrIQ(400))

	resp, notes := h.g2(alice, "set", g, participantsReq("add", carol, ghost, bob, carol))
	got := h.participants(resp, "add")
	want := []struct {
		jid types.JID
		err int
	}{{carol, 0}, {ghost, 404}, {bob, 409}, {carol, 409}}
	if len(got) != len(want) {
		t.Fatalf("results %+v", got)
	}
	for i, w := range want {
		if got[i].JID != w.jid || got[i].Error != w.err {
			t.Fatalf("result %d = %+v, want %v/%d", i, got[i], w.jid, w.err)
		}
	}
	if got[0].LID != lidOf(carol) {
		t.Fatalf("added carol without lid: %+v", got[0])
	}

	// Existing members see the join; carol is told she joined.
	if len(notes) != 2 {
		t.Fatalf("notes %s", dumpNotes(notes))
	}
	add := h.noteTo(notes, alice)
	sameUsers(t, add.To, alice, bob)
	if evt := h.info(add); len(evt.Join) != 1 || evt.Join[0] != carol || evt.JoinReason != "" {
		t.Fatalf("join event %+v", evt)
	}
	if jg := h.joined(h.noteTo(notes, carol)); jg.JID != g || len(jg.Participants) != 3 {
		t.Fatalf("joined event %+v", jg)
	}

	// all_member_add lets plain members add.
	h.ok(first(h.g2(alice, "set", g, addModeReq("all_member_add"))))
	h.ok(first(h.g2(bob, "set", g, participantsReq("add", dave))))
}

func TestAddByLID(t *testing.T) {
	h := newHarness(t, Config{})
	g := h.mkGroup(alice, "G")
	// A LID add carries phone_number when the client knows it.
	req := waBinary.Node{Tag: "add", Content: []waBinary.Node{
		{Tag: "participant", Attrs: waBinary.Attrs{"jid": lidOf(bob), "phone_number": bob}},
		{Tag: "participant", Attrs: waBinary.Attrs{"jid": types.NewJID("123", types.HiddenUserServer)}},
	}}
	got := h.participants(first(h.g2(alice, "set", g, req)), "add")
	if got[0].JID != lidOf(bob) || got[0].PhoneNumber != bob || got[0].Error != 0 {
		t.Fatalf("lid add %+v", got[0])
	}
	if got[1].Error != 404 {
		t.Fatalf("unknown lid %+v", got[1])
	}
	// Now the LID is known: remove by LID without phone_number works.
	got = h.participants(first(h.g2(alice, "set", g, participantsReq("remove", lidOf(bob)))), "remove")
	if got[0].Error != 0 || got[0].PhoneNumber != bob {
		t.Fatalf("lid remove %+v", got[0])
	}
}

func TestRemovePromoteDemote(t *testing.T) {
	h := newHarness(t, Config{})
	g := h.mkGroup(alice, "G", bob, carol, dave)

	for _, action := range []string{"remove", "promote", "demote"} {
		h.wantErr(first(h.g2(erin, "set", g, participantsReq(action, bob))), ErrIQ(403))
		h.wantErr(first(h.g2(bob, "set", g, participantsReq(action, carol))), ErrIQ(401))
		got := h.participants(first(h.g2(alice, "set", g, participantsReq(action, erin))), action)
		if got[0].Error != 404 {
			t.Fatalf("%s non-member %+v", action, got)
		}
	}

	resp, notes := h.g2(alice, "set", g, participantsReq("promote", bob, carol))
	if got := h.participants(resp, "promote"); got[0].Error != 0 || got[1].Error != 0 {
		t.Fatalf("promote %+v", got)
	}
	evt := h.info(notes[0])
	sameUsers(t, notes[0].To, alice, bob, carol, dave)
	if len(evt.Promote) != 2 {
		t.Fatalf("promote event %+v", evt)
	}
	// Promoting an admin again is accepted without a notification.
	if _, notes = h.g2(alice, "set", g, participantsReq("promote", bob)); len(notes) != 0 {
		t.Fatal("re-promote notified")
	}
	// A plain admin may not demote or remove the superadmin (assumed).
	for _, action := range []string{"demote", "remove"} {
		got := h.participants(first(h.g2(bob, "set", g, participantsReq(action, alice))), action)
		if got[0].Error != 403 {
			t.Fatalf("%s superadmin by admin %+v", action, got)
		}
	}
	resp, notes = h.g2(bob, "set", g, participantsReq("demote", carol))
	h.ok(resp)
	if evt := h.info(notes[0]); len(evt.Demote) != 1 || evt.Demote[0] != carol {
		t.Fatalf("demote event %+v", evt)
	}

	// Remove: everyone who was a member, the removed user included, is told.
	resp, notes = h.g2(bob, "set", g, participantsReq("remove", dave))
	h.ok(resp)
	sameUsers(t, notes[0].To, alice, bob, carol, dave)
	if evt := h.info(notes[0]); len(evt.Leave) != 1 || evt.Leave[0] != dave {
		t.Fatalf("remove event %+v", evt)
	}
	h.wantErr(first(h.g2(dave, "get", g, queryReq())), ErrIQ(403))
}

func TestLeave(t *testing.T) {
	h := newHarness(t, Config{})
	g := h.mkGroup(alice, "G", bob)
	h.wantErr(first(h.g2(carol, "set", types.GroupServerJID, leaveReq(g))), ErrIQ(403))
	h.wantErr(first(h.g2(bob, "set", types.GroupServerJID, leaveReq(groupJID("120363999999999999")))), ErrIQ(404))

	resp, notes := h.g2(bob, "set", types.GroupServerJID, leaveReq(g))
	h.ok(resp)
	sameUsers(t, notes[0].To, alice, bob)
	if evt := h.info(notes[0]); len(evt.Leave) != 1 || evt.Leave[0] != bob || *evt.Sender != bob {
		t.Fatalf("leave event %+v", evt)
	}
	// Last superadmin leaving leaves the group without admin (documented).
	h.ok(first(h.g2(alice, "set", types.GroupServerJID, leaveReq(g))))
	if v, _ := h.e.Group(g); len(v.Participants) != 0 {
		t.Fatalf("members left %+v", v.Participants)
	}
}

func TestLeaveCommunity(t *testing.T) {
	h := newHarness(t, Config{})
	club, ann := h.mkCommunity(alice, "Club", bob)
	sub := h.mkGroup(alice, "Sub", bob)
	h.ok(first(h.g2(alice, "set", club, linkReq(sub))))

	// The announcement group can't be left on its own (assumed).
	h.wantErr(first(h.g2(bob, "set", types.GroupServerJID, leaveReq(ann))), ErrIQ(400))

	resp, notes := h.g2(bob, "set", types.GroupServerJID, leaveReq(club))
	h.ok(resp)
	// One remove per group: parent, announcement group, subgroup.
	from := map[types.JID]bool{}
	for _, n := range notes {
		evt := h.info(n)
		if len(evt.Leave) != 1 || evt.Leave[0] != bob {
			t.Fatalf("event %+v", evt)
		}
		from[evt.JID] = true
	}
	if len(notes) != 3 || !from[club] || !from[ann] || !from[sub] {
		t.Fatalf("notes %s", dumpNotes(notes))
	}
	for _, j := range []types.JID{club, ann, sub} {
		if v, _ := h.e.Group(j); len(v.Participants) != 1 {
			t.Fatalf("%s still has %+v", j, v.Participants)
		}
	}
}

func TestCommunityMembershipMirrors(t *testing.T) {
	h := newHarness(t, Config{})
	club, ann := h.mkCommunity(alice, "Club")
	resp, notes := h.g2(alice, "set", club, participantsReq("add", bob))
	h.ok(resp)
	// bob joins both the parent and the announcement group.
	joinedTo := 0
	for _, n := range notes {
		if _, ok := h.event(n).(*events.JoinedGroup); ok && len(n.To) == 1 && n.To[0] == bob {
			joinedTo++
		}
	}
	if v, _ := h.e.Group(ann); len(v.Participants) != 2 || joinedTo != 2 {
		t.Fatalf("announcement members %+v, joined notes %d: %s", v.Participants, joinedTo, dumpNotes(notes))
	}
	// Promotion on the parent is mirrored on the announcement group.
	h.ok(first(h.g2(alice, "set", club, participantsReq("promote", bob))))
	if !h.groupInfo(first(h.g2(bob, "get", ann, queryReq()))).Participants[1].IsAdmin {
		t.Fatal("promotion not mirrored")
	}
	// Removal from the parent removes from the announcement group.
	h.ok(first(h.g2(alice, "set", club, participantsReq("remove", bob))))
	h.wantErr(first(h.g2(bob, "get", ann, queryReq())), ErrIQ(403))
}
