package groupsim

import (
	"testing"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// TestCommunityGeneralChat: <create_general_chat/> (next to <parent> as
// Baileys sends it, or inside it) gives the community a "General" subgroup
// besides the announcement group; without it there is none.
func TestCommunityGeneralChat(t *testing.T) {
	for name, opts := range map[string][]waBinary.Node{
		"beside parent": {parentOpt(), {Tag: "create_general_chat"}},
		"inside parent": {{Tag: "parent", Content: []waBinary.Node{{Tag: "create_general_chat"}}}},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, Config{})
			resp, _ := h.g2(alice, "set", types.GroupServerJID, createReq("Club", "K", []types.JID{bob}, opts...))
			parent := h.groupInfo(resp).JID
			v, _ := h.e.Group(parent)
			if len(v.SubGroups) != 2 {
				t.Fatalf("subgroups %v, want announcement and General", v.SubGroups)
			}
			var general GroupView
			for _, sg := range v.SubGroups {
				if g, _ := h.e.Group(sg); g.Name == "General" {
					general = g
				}
			}
			if general.JID.IsEmpty() || general.IsDefaultSubGroup || general.Announce || general.Parent != parent || len(general.Participants) != 2 {
				t.Fatalf("General subgroup %+v", general)
			}
		})
	}
	h := newHarness(t, Config{})
	_, ann := h.mkCommunity(alice, "Plain community", bob) // fails unless exactly the announcement group
	if ann.IsEmpty() {
		t.Fatal("no announcement group")
	}
}

// TestLeaveWithCommunityChild: <leave><community id/></leave> (Baileys'
// communityLeave) leaves the community and its subgroups like a <group>
// child naming the parent; naming a plain group that way is a 400.
func TestLeaveWithCommunityChild(t *testing.T) {
	h := newHarness(t, Config{})
	club, ann := h.mkCommunity(alice, "Club", bob)
	plain := h.mkGroup(alice, "Plain", bob)
	communityLeave := func(g types.JID) waBinary.Node {
		return waBinary.Node{Tag: "leave", Content: []waBinary.Node{{Tag: "community", Attrs: waBinary.Attrs{"id": g}}}}
	}
	h.wantErr(first(h.g2(bob, "set", types.GroupServerJID, communityLeave(plain))), ErrIQ(400))
	h.ok(first(h.g2(bob, "set", types.GroupServerJID, communityLeave(club))))
	for _, g := range []types.JID{club, ann} {
		v, _ := h.e.Group(g)
		for _, p := range v.Participants {
			if p.JID == bob {
				t.Fatalf("bob still in %s", g)
			}
		}
	}
}
