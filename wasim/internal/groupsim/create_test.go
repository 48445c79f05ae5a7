package groupsim

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// mkGroup creates a plain group through the IQ and returns its JID.
func (h *harness) mkGroup(owner types.JID, name string, parts ...types.JID) types.JID {
	h.t.Helper()
	resp, _ := h.g2(owner, "set", types.GroupServerJID, createReq(name, "K", parts))
	return h.groupInfo(resp).JID
}

// mkCommunity creates a community and returns parent and announcement group.
func (h *harness) mkCommunity(owner types.JID, name string, parts ...types.JID) (parent, announcement types.JID) {
	h.t.Helper()
	resp, _ := h.g2(owner, "set", types.GroupServerJID, createReq(name, "K", parts, parentOpt()))
	parent = h.groupInfo(resp).JID
	v, _ := h.e.Group(parent)
	if len(v.SubGroups) != 1 {
		h.t.Fatalf("community has subgroups %v, want the announcement group", v.SubGroups)
	}
	return parent, v.SubGroups[0]
}

var groupIDPattern = regexp.MustCompile(`^120363\d{12}$`)

func TestCreateGroup(t *testing.T) {
	h := newHarness(t, Config{})
	resp, notes := h.g2(alice, "set", types.GroupServerJID,
		createReq("Team", "ABCDEF", []types.JID{bob, carol, ghost, alice},
			waBinary.Node{Tag: "locked"}, waBinary.Node{Tag: "announcement"},
			ephemeralOpt("86400"), approvalOpt("on"),
			waBinary.Node{Tag: "member_add_mode", Content: []byte("all_member_add")}))
	info := h.groupInfo(resp)

	if !groupIDPattern.MatchString(info.JID.User) || info.JID.Server != types.GroupServer {
		t.Fatalf("group JID %s", info.JID)
	}
	if info.Name != "Team" || info.OwnerJID != alice || info.NameSetBy != alice || !info.GroupCreated.Equal(testNow) {
		t.Fatalf("basic fields wrong: %+v", info)
	}
	if !info.IsLocked || !info.IsAnnounce || !info.IsEphemeral || info.DisappearingTimer != 86400 ||
		!info.IsJoinApprovalRequired || info.MemberAddMode != types.GroupMemberAddModeAllMember {
		t.Fatalf("options not honoured: %+v", info)
	}
	if info.AddressingMode != types.AddressingModePN {
		t.Fatalf("addressing mode %q", info.AddressingMode)
	}
	// Creator first as superadmin (listing it again is harmless), then the
	// others; ghost is reported with error 404 and not added.
	if len(info.Participants) != 4 {
		t.Fatalf("participants %+v", info.Participants)
	}
	p := info.Participants
	if p[0].JID != alice || !p[0].IsSuperAdmin || p[0].LID != lidOf(alice) || p[0].Error != 0 {
		t.Fatalf("creator entry %+v", p[0])
	}
	if p[1].JID != bob || p[1].IsAdmin || p[1].LID != lidOf(bob) || p[2].JID != carol {
		t.Fatalf("member entries %+v", p[1:3])
	}
	if p[3].JID != ghost || p[3].Error != 404 {
		t.Fatalf("ghost entry %+v", p[3])
	}

	if len(notes) != 1 {
		t.Fatalf("notes: %s", dumpNotes(notes))
	}
	sameUsers(t, notes[0].To, alice, bob, carol)
	jg := h.joined(notes[0])
	if jg.Type != "new" || jg.CreateKey != "ABCDEF" || jg.Sender == nil || *jg.Sender != alice {
		t.Fatalf("joined event %+v", jg)
	}
	if jg.JID != info.JID || len(jg.Participants) != 3 {
		t.Fatalf("joined group info %+v", jg.GroupInfo)
	}

	v, ok := h.e.Group(info.JID)
	if !ok || v.Name != "Team" || len(v.Participants) != 3 || v.Creator != alice || v.InviteCode == "" {
		t.Fatalf("view %+v", v)
	}
}

func TestCreateDefaults(t *testing.T) {
	h := newHarness(t, Config{})
	// The pinned client sends ephemeral expiration=0 when a caller sets
	// IsEphemeral with no timer; newer clients always do.
	resp, _ := h.g2(alice, "set", types.GroupServerJID, createReq("G", "K", []types.JID{bob}, ephemeralOpt("0")))
	info := h.groupInfo(resp)
	if info.IsEphemeral || info.IsLocked || info.IsAnnounce || info.IsJoinApprovalRequired || info.IsParent ||
		info.MemberAddMode != types.GroupMemberAddModeAdmin || !info.LinkedParentJID.IsEmpty() {
		t.Fatalf("defaults %+v", info)
	}
}

func TestCreateValidation(t *testing.T) {
	h := newHarness(t, Config{MaxSubjectLength: 10})
	plain := h.mkGroup(alice, "Plain")
	cases := []struct {
		name string
		req  waBinary.Node
		want error
	}{
		{"empty name", createReq("", "K", nil), ErrIQ(400)},
		{"name too long", createReq(strings.Repeat("x", 11), "K", nil), ErrIQ(406)},
		{"bad ephemeral", createReq("G", "K", nil, ephemeralOpt("1234")), ErrIQ(400)},
		{"bad member_add_mode", createReq("G", "K", nil, waBinary.Node{Tag: "member_add_mode", Content: []byte("x")}), ErrIQ(400)},
		{"parent and linked_parent", createReq("G", "K", nil, parentOpt(), linkedParentOpt(plain)), ErrIQ(400)},
		{"linked_parent unknown", createReq("G", "K", nil, linkedParentOpt(groupJID("120363000000000000"))), ErrIQ(404)},
		{"linked_parent not a community", createReq("G", "K", nil, linkedParentOpt(plain)), ErrIQ(400)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := len(h.e.Groups())
			resp, notes := h.g2(alice, "set", types.GroupServerJID, tc.req)
			h.wantErr(resp, tc.want)
			if len(notes) != 0 || len(h.e.Groups()) != before {
				t.Fatalf("failed create changed state or notified: %s", dumpNotes(notes))
			}
		})
	}
}

func TestCreateCommunity(t *testing.T) {
	h := newHarness(t, Config{})
	resp, notes := h.g2(alice, "set", types.GroupServerJID, createReq("Club", "K1", []types.JID{bob}, parentOpt()))
	info := h.groupInfo(resp)
	if !info.IsParent || info.DefaultMembershipApprovalMode != "request_required" || info.IsAnnounce {
		t.Fatalf("parent %+v", info)
	}
	v, _ := h.e.Group(info.JID)
	if !v.IsCommunity || len(v.SubGroups) != 1 {
		t.Fatalf("view %+v", v)
	}
	ann := v.SubGroups[0]

	resp, _ = h.g2(bob, "get", ann, queryReq())
	ai := h.groupInfo(resp)
	// The three flags whatsmeow uses to recognise the announcement group.
	if !ai.IsAnnounce || !ai.IsDefaultSubGroup || ai.LinkedParentJID != info.JID || ai.Name != "Club" {
		t.Fatalf("announcement group %+v", ai)
	}
	if len(ai.Participants) != 2 || !ai.Participants[0].IsSuperAdmin {
		t.Fatalf("announcement members %+v", ai.Participants)
	}

	// One JoinedGroup for the parent (with the create key) and one for the
	// announcement group, both to every member.
	if len(notes) != 2 {
		t.Fatalf("notes %s", dumpNotes(notes))
	}
	p, a := h.joined(notes[0]), h.joined(notes[1])
	if p.JID != info.JID || p.CreateKey != "K1" || !p.IsParent || a.JID != ann || !a.IsDefaultSubGroup {
		t.Fatalf("create events %+v / %+v", p, a)
	}
	sameUsers(t, notes[1].To, alice, bob)

	av, _ := h.e.Group(ann)
	if !av.IsDefaultSubGroup || !av.Announce || av.Parent != info.JID {
		t.Fatalf("announcement view %+v", av)
	}
}

func TestRejectCommunityCreateQuirk(t *testing.T) {
	h := newHarness(t, Config{RejectCommunityCreate: true})
	resp, notes := h.g2(alice, "set", types.GroupServerJID, createReq("Club", "K", nil, parentOpt()))
	h.wantErr(resp, ErrIQ(400))
	if len(notes) != 0 || len(h.e.Groups()) != 0 {
		t.Fatal("rejected community create left state behind")
	}
	// The gateway's fallback: a regular group still works.
	h.mkGroup(alice, "Club")
	if _, _, err := h.e.CreateGroup(CreateRequest{Owner: alice, Name: "Club", IsCommunity: true}); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("sandbox community create: %v", err)
	}
}

func TestCreateInsideCommunity(t *testing.T) {
	h := newHarness(t, Config{MaxSubGroups: 1})
	club, _ := h.mkCommunity(alice, "Club", bob)
	plain := h.mkGroup(alice, "Plain", bob)

	// Members that are not admins of the community may not create in it.
	resp, _ := h.g2(bob, "set", types.GroupServerJID, createReq("Sub", "K", nil, linkedParentOpt(club)))
	h.wantErr(resp, ErrIQ(401))
	resp, _ = h.g2(carol, "set", types.GroupServerJID, createReq("Sub", "K", nil, linkedParentOpt(club)))
	h.wantErr(resp, ErrIQ(403))
	resp, _ = h.g2(alice, "set", types.GroupServerJID, createReq("Sub", "K", nil, linkedParentOpt(plain)))
	h.wantErr(resp, ErrIQ(400))

	resp, notes := h.g2(alice, "set", types.GroupServerJID, createReq("Sub", "K", []types.JID{carol}, linkedParentOpt(club)))
	sub := h.groupInfo(resp)
	if sub.LinkedParentJID != club || sub.IsDefaultSubGroup {
		t.Fatalf("subgroup %+v", sub)
	}
	// carol (only in the subgroup) gets the create; bob (only in the
	// community) gets the link; alice (both) gets both.
	if jg := h.joined(h.noteTo(notes, carol)); jg.JID != sub.JID {
		t.Fatalf("create to carol %+v", jg)
	}
	link := h.info(h.noteTo(notes, bob))
	if link.JID != club || link.Link == nil || link.Link.Type != types.GroupLinkChangeTypeSub || link.Link.Group.JID != sub.JID {
		t.Fatalf("link to bob %+v", link)
	}

	// MaxSubGroups=1 is now reached (the announcement group does not count).
	resp, _ = h.g2(alice, "set", types.GroupServerJID, createReq("Sub2", "K", nil, linkedParentOpt(club)))
	h.wantErr(resp, ErrIQ(419))
}

func TestSandboxCreateGroup(t *testing.T) {
	h := newHarness(t, Config{})
	v, notes, err := h.e.CreateGroup(CreateRequest{
		Owner: alice, Name: "Club", Participants: []types.JID{bob, ghost}, Admins: []types.JID{carol},
		IsCommunity: true, Description: "hello",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !v.IsCommunity || len(v.SubGroups) != 1 || v.Description != "hello" || len(v.Participants) != 3 {
		t.Fatalf("view %+v", v)
	}
	roles := map[types.JID]string{}
	for _, p := range v.Participants {
		roles[p.JID] = p.Role
	}
	if roles[alice] != "superadmin" || roles[bob] != "" || roles[carol] != "admin" {
		t.Fatalf("roles %v", roles)
	}
	if len(notes) != 2 {
		t.Fatalf("notes %s", dumpNotes(notes))
	}
	for _, n := range notes {
		h.joined(Notification{To: n.To, Node: wire(t, n.Node)})
	}
	sub, _, err := h.e.CreateGroup(CreateRequest{Owner: carol, Name: "Sub", Parent: v.JID})
	if err != nil || sub.Parent != v.JID {
		t.Fatalf("sandbox subgroup: %v %+v", err, sub)
	}
	if _, _, err := h.e.CreateGroup(CreateRequest{Owner: bob, Name: "Sub", Parent: v.JID}); !errors.Is(err, ErrNotAuthorized) {
		t.Fatalf("non-admin sandbox subgroup: %v", err)
	}
}

func TestGroupIDsUnique(t *testing.T) {
	h := newHarness(t, Config{})
	seen := map[types.JID]bool{}
	for i := 0; i < 200; i++ {
		v, _, err := h.e.CreateGroup(CreateRequest{Owner: alice, Name: "G"})
		if err != nil || seen[v.JID] || !groupIDPattern.MatchString(v.JID.User) {
			t.Fatalf("id %s err %v", v.JID, err)
		}
		seen[v.JID] = true
	}
}
