package e2e

import (
	"net/http"
	"testing"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
)

// TestCommunityLIDAddressedAndPartlyListed runs link and unlink where wasim cannot be trivially
// friendly: the community and its group are LID-addressed (WhatsApp lists the instance by its
// LID, its phone number only beside it), so the admin check must match the instance by phone
// number or LID, not by the listed JID alone (samePerson); and the linked group is missing
// from the community's subgroup list, so unlink must ask the group itself which community it
// belongs to. Each half fails when its fallback is removed.
func TestCommunityLIDAddressedAndPartlyListed(t *testing.T) {
	c := startCommunityEnv(t, storetest.SQLiteDSN(t))
	sim := c.App.Sim()
	community, _ := c.community("LID street")
	group := c.create(wasim.CreateGroupRequest{Name: "LID garden"}).JID
	for _, g := range []types.JID{community, group} {
		if err := sim.SetGroupAddressing(g, true); err != nil {
			t.Fatal(err)
		}
	}
	res := c.post("link", community.String(), group.String()).Want(http.StatusOK)
	wantResults(t, res, map[string]string{group.String(): "linked"})
	if p := c.parentOf(group); p != community.String() {
		t.Fatalf("simulator: %s is linked to %q, want %s", group, p, community)
	}

	if err := sim.SetSubGroupUnlisted(group, true); err != nil {
		t.Fatal(err)
	}
	subs := c.Do("GET", "/api/community/listSubGroups/shop?communityJid="+community.String(), c.acc, nil).Want(http.StatusOK)
	for _, s := range subs.List("subgroups") {
		if m, _ := s.(map[string]any); m["jid"] == group.String() {
			t.Fatalf("the unlisted group is listed: %s", subs.Raw)
		}
	}
	res = c.post("unlink", community.String(), group.String()).Want(http.StatusOK)
	wantResults(t, res, map[string]string{group.String(): "unlinked"})
	if p := c.parentOf(group); p != "" {
		t.Fatalf("simulator: %s is still linked to %q", group, p)
	}
}
