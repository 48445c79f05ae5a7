package e2e

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
)

// TestCommunityReads: the communities the instance is in, a community's participants, and the
// documented refusals of listSubGroups (shared by participants).
func TestCommunityReads(t *testing.T) {
	c := startCommunityEnv(t, storetest.SQLiteDSN(t))
	c.Instance(c.acc, "idle")
	alice, bob := c.user("Alice"), c.user("Bob")
	mine, announcement := c.community("Mine")
	c.create(wasim.CreateGroupRequest{Parent: mine, Participants: []types.JID{alice}})
	c.create(wasim.CreateGroupRequest{Parent: mine, Participants: []types.JID{alice, bob}})
	theirs := c.create(wasim.CreateGroupRequest{Owner: alice, IsCommunity: true, Participants: []types.JID{c.own}}).JID
	plain := c.groups(1)[0]

	list := c.Do("GET", "/api/community/list/shop", c.acc, nil).Want(http.StatusOK)
	if list.Str("message") != "2 communities found" {
		t.Fatalf("list: %s", list.Raw)
	}
	byJID := map[string]int{}
	for i := range list.List("communities") {
		byJID[list.Str("communities."+strconv.Itoa(i)+".jid")] = i
	}
	m, okMine := byJID[mine.String()]
	o, okTheirs := byJID[theirs.String()]
	if !okMine || !okTheirs {
		t.Fatalf("list: %s", list.Raw)
	}
	at := func(i int, f string) any { return list.Get("communities." + strconv.Itoa(i) + "." + f) }
	if at(m, "name") != "Mine" || at(m, "announcementJid") != announcement.String() || at(m, "subGroupCount") != 2.0 || at(m, "isAdmin") != true {
		t.Errorf("own community: %s", list.Raw)
	}
	if at(o, "subGroupCount") != 0.0 || at(o, "isAdmin") != false || at(o, "announcementJid") == "" {
		t.Errorf("Alice's community: %s", list.Raw)
	}

	parts := c.Do("GET", "/api/community/participants/shop?communityJid="+mine.String(), c.acc, nil).Want(http.StatusOK)
	var members []string
	for i := range parts.List("participants") {
		members = append(members, parts.Str("participants."+strconv.Itoa(i)+".jid"))
	}
	slices.Sort(members)
	want := jids(c.own, alice, bob)
	slices.Sort(want)
	wantStrings(t, "participants", members, want)
	if parts.Str("message") != "3 participant(s) found" || parts.Str("communityJid") != mine.String() {
		t.Errorf("participants: %s", parts.Raw)
	}

	missing := types.NewJID("120363000000000001", types.GroupServer).String()
	// An invite link is the newcomer's natural guess; the answer says what is needed instead.
	const linkHint = "communityJid must be a community JID (120363...@g.us), not an invite link: GET /api/group/info/{instance}?identifier=<link> shows the JID"
	for _, route := range []string{"listSubGroups", "participants"} {
		for _, tc := range []struct {
			instance, query string
			status          int
			message         string
		}{
			{"shop", "", 400, "communityJid query parameter is required"},
			{"shop", "?communityJid=", 400, "communityJid query parameter is required"},
			{"shop", "?communityJid=5511999990001@s.whatsapp.net", 400, "invalid community JID: not a group jid"},
			{"shop", "?communityJid=" + url.QueryEscape("https://chat.whatsapp.com/AbCdEfGhIjK1234567890"), 400, linkHint},
			{"shop", "?communityJid=chat.whatsapp.com/AbCdEfGhIjK1234567890", 400, linkHint},
			{"nobody", "", 400, "communityJid query parameter is required"},
			{"nobody", "?communityJid=" + mine.User, 404, "Instance not found"},
			{"idle", "?communityJid=" + mine.User, 400, "Instance is not connected to WhatsApp"},
			{"shop", "?communityJid=" + plain.String(), 400, "failed to get groups: " + plain.String() + " is not a community"},
			{"shop", "?communityJid=" + missing, 404, "failed to get groups: Community not found or you are not a member of this community"},
		} {
			c.Do("GET", "/api/community/"+route+"/"+tc.instance+tc.query, c.acc, nil).WantError(tc.status, tc.message)
		}
	}
	c.Do("GET", "/api/community/list/idle", c.acc, nil).WantError(400, "Instance is not connected to WhatsApp")
	c.Do("GET", "/api/community/list/nobody", c.acc, nil).WantError(404, "Instance not found")

	// WhatsApp's rate limit on a read is a 429 with the reference's message prefix.
	c.App.Sim().AddFault(wasim.FaultRule{Match: "sub_groups", Code: 429})
	c.Do("GET", "/api/community/listSubGroups/shop?communityJid="+mine.String(), c.acc, nil).
		WantError(429, "failed to get groups: WhatsApp rate limit reached (429 rate-overlimit); try again later")
	c.App.Sim().AddFault(wasim.FaultRule{Match: "sub_groups", Code: 500})
	c.Do("GET", "/api/community/listSubGroups/shop?communityJid="+mine.String(), c.acc, nil).
		WantError(500, "failed to get groups: WhatsApp answered with an error (500 internal-server-error)")
}
