package groupsim

import (
	"strings"
	"testing"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
)

func TestSettingSetters(t *testing.T) {
	cases := []struct {
		name  string
		req   waBinary.Node
		check func(t *testing.T, evt *events.GroupInfo, info *types.GroupInfo)
	}{
		{"subject", subjectReq("Renamed"), func(t *testing.T, e *events.GroupInfo, i *types.GroupInfo) {
			if e.Name == nil || e.Name.Name != "Renamed" || e.Name.NameSetBy != alice || !e.Name.NameSetAt.Equal(testNow) || i.Name != "Renamed" {
				t.Fatalf("%+v / %+v", e.Name, i.GroupName)
			}
		}},
		{"topic with ids", topicReq("", "TOPIC1", "Rules"), func(t *testing.T, e *events.GroupInfo, i *types.GroupInfo) {
			if e.Topic == nil || e.Topic.Topic != "Rules" || e.Topic.TopicID != "TOPIC1" || e.Topic.TopicSetBy != alice ||
				i.Topic != "Rules" || i.TopicID != "TOPIC1" || i.TopicSetBy != alice {
				t.Fatalf("%+v / %+v", e.Topic, i.GroupTopic)
			}
		}},
		{"description without ids", descriptionReq("Plain"), func(t *testing.T, e *events.GroupInfo, i *types.GroupInfo) {
			if e.Topic == nil || e.Topic.Topic != "Plain" || e.Topic.TopicID == "" || i.TopicID != e.Topic.TopicID {
				t.Fatalf("%+v / %+v", e.Topic, i.GroupTopic)
			}
		}},
		{"locked", tagReq("locked"), func(t *testing.T, e *events.GroupInfo, i *types.GroupInfo) {
			if e.Locked == nil || !e.Locked.IsLocked || !i.IsLocked {
				t.Fatalf("%+v", e.Locked)
			}
		}},
		{"announcement", tagReq("announcement"), func(t *testing.T, e *events.GroupInfo, i *types.GroupInfo) {
			if e.Announce == nil || !e.Announce.IsAnnounce || e.Announce.AnnounceVersionID == "" || !i.IsAnnounce {
				t.Fatalf("%+v", e.Announce)
			}
		}},
		{"join approval on", waBinary.Node{Tag: "membership_approval_mode", Content: []waBinary.Node{
			{Tag: "group_join", Attrs: waBinary.Attrs{"state": "on"}}}}, func(t *testing.T, e *events.GroupInfo, i *types.GroupInfo) {
			if e.MembershipApprovalMode == nil || !i.IsJoinApprovalRequired {
				t.Fatalf("%+v", e.MembershipApprovalMode)
			}
		}},
		{"member add mode", addModeReq("all_member_add"), func(t *testing.T, e *events.GroupInfo, i *types.GroupInfo) {
			// whatsmeow has no field for it: it arrives as an unknown change.
			if len(e.UnknownChanges) != 1 || e.UnknownChanges[0].Tag != "member_add_mode" || i.MemberAddMode != types.GroupMemberAddModeAllMember {
				t.Fatalf("%+v %q", e.UnknownChanges, i.MemberAddMode)
			}
		}},
		{"ephemeral", ephemeralReq("604800"), func(t *testing.T, e *events.GroupInfo, i *types.GroupInfo) {
			if e.Ephemeral == nil || e.Ephemeral.DisappearingTimer != 604800 || i.DisappearingTimer != 604800 {
				t.Fatalf("%+v", e.Ephemeral)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Config{})
			g := h.mkGroup(alice, "G", bob)
			resp, notes := h.g2(dave, "set", g, tc.req)
			h.wantErr(resp, ErrIQ(403))
			resp, notes2 := h.g2(bob, "set", g, tc.req)
			h.wantErr(resp, ErrIQ(401))
			resp, _ = h.g2(alice, "set", groupJID("120363999999999999"), tc.req)
			h.wantErr(resp, ErrIQ(404))
			if len(notes)+len(notes2) != 0 {
				t.Fatal("refused setter notified")
			}

			before := h.changeCount()
			resp, notes = h.g2(alice, "set", g, tc.req)
			h.ok(resp)
			if len(resp.GetChildren()) != 0 {
				t.Fatalf("setter reply has content: %s", resp.String())
			}
			if h.changeCount() == before {
				t.Fatal("OnChange not called")
			}
			if len(notes) != 1 {
				t.Fatalf("notes %s", dumpNotes(notes))
			}
			sameUsers(t, notes[0].To, alice, bob)
			evt := h.info(notes[0])
			if evt.JID != g || evt.Sender == nil || *evt.Sender != alice || !evt.Timestamp.Equal(testNow) {
				t.Fatalf("envelope %+v", evt)
			}
			info := h.groupInfo(first(h.g2(bob, "get", g, queryReq())))
			tc.check(t, evt, info)
		})
	}
}

func TestSettingsToggleBackAndNoop(t *testing.T) {
	h := newHarness(t, Config{})
	g := h.mkGroup(alice, "G", bob)
	type step struct {
		req   waBinary.Node
		notes int
	}
	steps := []step{
		{tagReq("unlocked"), 0}, // already unlocked: no change, no notification
		{tagReq("locked"), 1},
		{tagReq("unlocked"), 1},
		{tagReq("not_announcement"), 0},
		{tagReq("announcement"), 1},
		{tagReq("not_announcement"), 1},
		{addModeReq("admin_add"), 0},
		{tagReq("not_ephemeral"), 0},
		{ephemeralReq("86400"), 1},
		{tagReq("not_ephemeral"), 1},
	}
	for i, s := range steps {
		resp, notes := h.g2(alice, "set", g, s.req)
		h.ok(resp)
		if len(notes) != s.notes {
			t.Fatalf("step %d %s: notes %s", i, s.req.Tag, dumpNotes(notes))
		}
		for _, n := range notes {
			evt := h.info(n)
			switch s.req.Tag {
			case "unlocked":
				if evt.Locked == nil || evt.Locked.IsLocked {
					t.Fatalf("unlocked event %+v", evt.Locked)
				}
			case "not_announcement":
				if evt.Announce == nil || evt.Announce.IsAnnounce || evt.Announce.AnnounceVersionID == "" {
					t.Fatalf("not_announcement event %+v", evt.Announce)
				}
			case "not_ephemeral":
				if evt.Ephemeral == nil || evt.Ephemeral.IsEphemeral {
					t.Fatalf("not_ephemeral event %+v", evt.Ephemeral)
				}
			}
		}
	}
	// Approval off after on: the notification carries state="off" (whatsmeow
	// itself reports any membership_approval_mode child as "required").
	h.ok(first(h.g2(alice, "set", g, approvalOpt("on"))))
	resp, notes := h.g2(alice, "set", g, approvalOpt("off"))
	h.ok(resp)
	gj, _ := notes[0].Node.GetChildren()[0].GetOptionalChildByTag("group_join")
	if gj.Attrs["state"] != "off" {
		t.Fatalf("approval off notification %s", notes[0].Node.String())
	}
	if info := h.groupInfo(first(h.g2(alice, "get", g, queryReq()))); info.IsJoinApprovalRequired {
		t.Fatal("approval still on")
	}
}

func TestSettingValidation(t *testing.T) {
	h := newHarness(t, Config{})
	g := h.mkGroup(alice, "G", bob)
	cases := []struct {
		name string
		req  waBinary.Node
		want error
	}{
		{"empty subject", subjectReq(""), ErrIQ(400)},
		{"subject over 100 runes", subjectReq(strings.Repeat("é", 101)), ErrIQ(406)},
		{"odd timer", ephemeralReq("3600"), ErrIQ(400)}, // → ErrInvalidDisappearingTimer
		{"bad add mode", addModeReq("everyone"), ErrIQ(400)},
		{"approval without state", waBinary.Node{Tag: "membership_approval_mode"}, ErrIQ(400)},
		{"unknown child", waBinary.Node{Tag: "frobnicate"}, ErrIQ(400)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, notes := h.g2(alice, "set", g, tc.req)
			h.wantErr(resp, tc.want)
			if len(notes) != 0 {
				t.Fatal("notified")
			}
		})
	}
	// 100 runes is fine.
	h.ok(first(h.g2(alice, "set", g, subjectReq(strings.Repeat("é", 100)))))
}

func TestDescriptionDelete(t *testing.T) {
	h := newHarness(t, Config{})
	g := h.mkGroup(alice, "G", bob)
	h.ok(first(h.g2(alice, "set", g, topicReq("", "T1", "Rules"))))
	// SetGroupTopic with an empty topic: delete="true", no body, prev=old id.
	resp, notes := h.g2(alice, "set", g, topicReq("T1", "T2", ""))
	h.ok(resp)
	evt := h.info(notes[0])
	if evt.Topic == nil || !evt.Topic.TopicDeleted || evt.Topic.Topic != "" || evt.Topic.TopicID != "T2" {
		t.Fatalf("delete event %+v", evt.Topic)
	}
	if info := h.groupInfo(first(h.g2(alice, "get", g, queryReq()))); info.Topic != "" {
		t.Fatalf("topic still %q", info.Topic)
	}
}

func TestMembersMayEditInfo(t *testing.T) {
	h := newHarness(t, Config{MembersMayEditInfo: true})
	g := h.mkGroup(alice, "G", bob)
	h.ok(first(h.g2(bob, "set", g, subjectReq("By bob"))))
	h.ok(first(h.g2(bob, "set", g, descriptionReq("By bob"))))
	h.ok(first(h.g2(bob, "set", g, ephemeralReq("86400"))))
	// Settings stay admin-only.
	h.wantErr(first(h.g2(bob, "set", g, tagReq("announcement"))), ErrIQ(401))
	// Locking restores admin-only info editing.
	h.ok(first(h.g2(alice, "set", g, tagReq("locked"))))
	h.wantErr(first(h.g2(bob, "set", g, subjectReq("Again"))), ErrIQ(401))
	h.wantErr(first(h.send(bob, "w:profile:picture", "set", types.ServerJID, g, photoContent(jpeg))), ErrIQ(401))
}

func TestCommunitySettings(t *testing.T) {
	h := newHarness(t, Config{})
	club, ann := h.mkCommunity(alice, "Club", bob)
	h.ok(first(h.g2(alice, "set", club, tagReq("announcement"))))
	// The announcement group cannot stop being admin-only (assumed).
	h.wantErr(first(h.g2(alice, "set", ann, tagReq("not_announcement"))), ErrIQ(400))

	q := newHarness(t, Config{RejectCommunitySettings: true})
	club, _ = q.mkCommunity(alice, "Club", bob)
	q.wantErr(first(q.g2(alice, "set", club, tagReq("announcement"))), ErrIQ(400))
	q.wantErr(first(q.g2(alice, "set", club, addModeReq("all_member_add"))), ErrIQ(400))
	// Subject and description still work on the community (#1232).
	q.ok(first(q.g2(alice, "set", club, subjectReq("Club 2"))))
	q.ok(first(q.g2(alice, "set", club, descriptionReq("About"))))
	// Regular groups are unaffected by the quirk.
	g := q.mkGroup(alice, "G")
	q.ok(first(q.g2(alice, "set", g, tagReq("announcement"))))
}
