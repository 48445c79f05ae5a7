package groupsim

import (
	"testing"

	"go.mau.fi/whatsmeow/types"
)

func TestGroupInfoAccess(t *testing.T) {
	h := newHarness(t, Config{})
	g := h.mkGroup(alice, "G", bob)
	club, _ := h.mkCommunity(alice, "Club")
	sub := h.mkGroup(alice, "Sub", dave)
	h.ok(first(h.g2(alice, "set", club, linkReq(sub))))

	cases := []struct {
		name   string
		actor  types.JID
		target types.JID
		want   error // nil = result
	}{
		{"member", bob, g, nil},
		{"non-member", carol, g, ErrIQ(403)},
		{"unknown group", alice, groupJID("120363999999999999"), ErrIQ(404)},
		{"community seen by subgroup member", dave, club, nil},
		{"community hidden from outsider", carol, club, ErrIQ(403)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, notes := h.g2(tc.actor, "get", tc.target, queryReq())
			if len(notes) != 0 {
				t.Fatal("query notified")
			}
			if tc.want != nil {
				h.wantErr(resp, tc.want)
				return
			}
			if info := h.groupInfo(resp); info.JID != tc.target {
				t.Fatalf("got %s", info.JID)
			}
		})
	}
}

func TestJoinedGroups(t *testing.T) {
	h := newHarness(t, Config{})
	g1 := h.mkGroup(alice, "One", bob)
	h.mkGroup(carol, "Other")
	club, ann := h.mkCommunity(bob, "Club", alice)

	resp, _ := h.g2(alice, "get", types.GroupServerJID, participatingReq())
	resp = h.ok(resp)
	groups, ok := resp.GetOptionalChildByTag("groups")
	if !ok {
		t.Fatal("no <groups>")
	}
	got := map[types.JID]bool{}
	for _, gn := range groups.GetChildren() {
		info := h.parseGroup(gn)
		got[info.JID] = true
		if len(info.Participants) == 0 {
			t.Fatalf("participants missing for %s", info.JID)
		}
	}
	if len(got) != 3 || !got[g1] || !got[club] || !got[ann] {
		t.Fatalf("joined groups %v", got)
	}

	resp, _ = h.g2(dave, "get", types.GroupServerJID, participatingReq())
	resp = h.ok(resp)
	groups, _ = resp.GetOptionalChildByTag("groups")
	if len(groups.GetChildren()) != 0 {
		t.Fatalf("dave sees %s", groups.String())
	}
}

// first drops the notifications of a g2 answer.
func first[A, B any](a A, _ B) A { return a }
