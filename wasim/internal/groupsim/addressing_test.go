package groupsim

import (
	"testing"

	"go.mau.fi/whatsmeow/types"
)

// TestLIDAddressedGroupParsesAsWhatsmeowExpects: a LID-addressed group (the engine option for new
// groups, or SetAddressing on one) reaches whatsmeow's parser with AddressingMode lid and each
// member's LID as JID and phone number beside it; PN addressing stays the default.
func TestLIDAddressedGroupParsesAsWhatsmeowExpects(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		set  *bool
	}{
		{name: "engine option", cfg: Config{LIDAddressing: true}},
		{name: "per group", set: new(bool)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.cfg)
			g := h.mkGroup(alice, "LID", bob)
			if tc.set != nil {
				if info := h.groupInfo(first(h.g2(alice, "get", g, queryReq()))); info.AddressingMode != types.AddressingModePN {
					t.Fatalf("default addressing %q, want pn", info.AddressingMode)
				}
				if !h.e.SetAddressing(g, true) {
					t.Fatal("SetAddressing: no such group")
				}
			}
			info := h.groupInfo(first(h.g2(alice, "get", g, queryReq())))
			if info.AddressingMode != types.AddressingModeLID {
				t.Fatalf("addressing %q, want lid", info.AddressingMode)
			}
			for _, p := range info.Participants {
				if p.JID.Server != types.HiddenUserServer || p.LID != p.JID || p.PhoneNumber.Server != types.DefaultUserServer || lidOf(p.PhoneNumber) != p.LID {
					t.Errorf("participant %+v: want jid=LID with its phone number", p)
				}
			}
		})
	}
}

// TestUnlistedSubGroupKeepsItsParent: an unlisted subgroup is missing from sub_groups but still
// names its community.
func TestUnlistedSubGroupKeepsItsParent(t *testing.T) {
	h := newHarness(t, Config{})
	f := newCommunityFixture(h)
	h.ok(first(h.g2(alice, "set", f.club, linkReq(f.free))))
	if !h.e.SetUnlisted(f.free, true) {
		t.Fatal("SetUnlisted: no such group")
	}
	resp := h.ok(first(h.g2(alice, "get", f.club, subGroupsReq())))
	list := resp.GetChildByTag("sub_groups")
	for _, s := range list.GetChildren() {
		if s.Attrs["id"] == f.free.User {
			t.Fatalf("the unlisted subgroup is listed: %s", resp.String())
		}
	}
	if info := h.groupInfo(first(h.g2(alice, "get", f.free, queryReq()))); info.LinkedParentJID != f.club {
		t.Fatalf("linked parent %s, want %s", info.LinkedParentJID, f.club)
	}
}
