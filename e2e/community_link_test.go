package e2e

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
)

// TestCommunityLinkAndUnlink links several groups (one named by a bare id, one twice), checks
// each against the simulator, sees them in listSubGroups at once, and unlinks them.
func TestCommunityLinkAndUnlink(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		c := startCommunityEnv(t, dsn)
		community, announcement := c.community("Neighbours")
		g := c.groups(3)

		res := c.post("link", community.String(), g[0].String(), g[1].User, g[0].String(), " "+g[2].String()+" ").Want(http.StatusOK)
		if res.Body["success"] != true || res.Str("message") != "Linked 3 of 3 groups to community" {
			t.Fatalf("link answer: %s", res.Raw)
		}
		wantStrings(t, "linked", res.Strings("linked"), jids(g...))
		wantStrings(t, "failed", res.Strings("failed"), nil)
		wantResults(t, res, map[string]string{g[0].String(): "linked", g[1].String(): "linked", g[2].String(): "linked"})
		for _, j := range g {
			if p := c.parentOf(j); p != community.String() {
				t.Errorf("simulator: %s is linked to %q, want %s", j, p, community)
			}
		}

		// Consistent at once: no cache between the link and the listing.
		subs := c.Do("GET", "/api/community/listSubGroups/shop?communityJid="+community.User, c.acc, nil).Want(http.StatusOK)
		if subs.Str("message") != "4 subgroup(s) found" || subs.Str("communityJid") != community.String() {
			t.Fatalf("listSubGroups: %s", subs.Raw)
		}
		listed := map[string]bool{}
		for i := range subs.List("subgroups") {
			jid := subs.Str("subgroups." + strconv.Itoa(i) + ".jid")
			listed[jid] = subs.Get("subgroups."+strconv.Itoa(i)+".isDefaultSubGroup") == true
		}
		if len(listed) != 4 || !listed[announcement.String()] || listed[g[0].String()] {
			t.Fatalf("subgroups %v: want the three groups and the announcement group, only it flagged", listed)
		}

		// Linking again writes nothing: the groups count as linked.
		mark := time.Now()
		again := c.post("link", community.String(), g[0].String()).Want(http.StatusOK)
		if again.Str("message") != "Linked 1 of 1 groups to community" || again.Body["success"] != true {
			t.Fatalf("link again: %s", again.Raw)
		}
		wantResults(t, again, map[string]string{g[0].String(): "already_linked"})
		if n := len(c.linkWrites(mark)); n != 0 {
			t.Fatalf("linking an already linked group sent %d WhatsApp writes", n)
		}

		un := c.post("unlink", community.String(), g[0].String(), g[1].User).Want(http.StatusOK)
		if un.Body["success"] != true || un.Str("message") != "Unlinked 2 of 2 groups from community" {
			t.Fatalf("unlink answer: %s", un.Raw)
		}
		wantStrings(t, "linked (the reference's shared DTO: unlinked groups)", un.Strings("linked"), jids(g[0], g[1]))
		wantResults(t, un, map[string]string{g[0].String(): "unlinked", g[1].String(): "unlinked"})
		for j, want := range map[types.JID]string{g[0]: "", g[1]: "", g[2]: community.String()} {
			if p := c.parentOf(j); p != want {
				t.Errorf("simulator after unlink: %s is linked to %q, want %q", j, p, want)
			}
		}

		// Unlinking what is not linked, and the announcement group, fails per group with 200.
		none := c.post("unlink", community.String(), g[0].String(), announcement.String()).Want(http.StatusOK)
		if none.Body["success"] != false || none.Str("message") != "Unlinked 0 of 2 groups from community" {
			t.Fatalf("unlink of nothing linked: %s", none.Raw)
		}
		wantStrings(t, "failed", none.Strings("failed"), jids(g[0], announcement))
		wantResults(t, none, map[string]string{g[0].String(): "failed/not_linked", announcement.String(): "failed/announcement_group"})
		if p := c.parentOf(announcement); p != community.String() {
			t.Fatalf("the announcement group left its community: %q", p)
		}
	})
}

// TestCommunityLinkBatches runs, on one gateway, the batches that exercise the linker: each
// subtest creates its own community and groups.
func TestCommunityLinkBatches(t *testing.T) {
	c := startCommunityEnv(t, storetest.SQLiteDSN(t))
	c.Instance(c.acc, "idle") // never paired
	// Every kind of group that can be refused without a WhatsApp write, in one batch: only the
	// one good group is written.
	t.Run("checks before writing", func(t *testing.T) {
		community, announcement := c.community("Neighbours")
		other, _ := c.community("Elsewhere")
		elsewhere := c.create(wasim.CreateGroupRequest{Parent: other}).JID
		alice := c.user("Alice")
		notAdmin := c.create(wasim.CreateGroupRequest{Owner: alice, Participants: []types.JID{c.own}}).JID
		missing := types.NewJID("120363000000000001", types.GroupServer)
		good := c.groups(1)[0]

		mark := time.Now()
		res := c.post("link", community.String(), announcement.String(), elsewhere.String(), notAdmin.String(),
			missing.String(), "not-a-jid", c.own.String(), community.String(), good.String()).Want(http.StatusOK)
		if res.Str("message") != "Linked 1 of 8 groups to community" || res.Body["success"] != true {
			t.Fatalf("answer: %s", res.Raw)
		}
		wantResults(t, res, map[string]string{
			announcement.String(): "failed/announcement_group",
			elsewhere.String():    "failed/linked_elsewhere",
			notAdmin.String():     "failed/not_admin",
			missing.String():      "failed/not_found",
			"not-a-jid":           "failed/invalid_jid",
			c.own.String():        "failed/invalid_jid",
			community.String():    "failed/invalid_jid",
			good.String():         "linked",
		})
		wantStrings(t, "linked", res.Strings("linked"), jids(good))
		if writes := c.linkWrites(mark); len(writes) != 1 || !strings.Contains(writes[0].XML, good.String()) {
			t.Fatalf("want exactly one link write, for %s; got %d", good, len(writes))
		}
		if p := c.parentOf(elsewhere); p != other.String() {
			t.Fatalf("the group linked elsewhere moved to %q", p)
		}

		// A community the instance does not administer: every group fails, nothing is written.
		theirs := c.create(wasim.CreateGroupRequest{Owner: alice, IsCommunity: true, Participants: []types.JID{c.own}}).JID
		mine := c.groups(1)[0]
		mark = time.Now()
		res = c.post("link", theirs.String(), mine.String()).Want(http.StatusOK)
		if res.Body["success"] != false || res.Str("message") != "Linked 0 of 1 groups to community" {
			t.Fatalf("answer: %s", res.Raw)
		}
		wantResults(t, res, map[string]string{mine.String(): "failed/not_admin"})
		if n := len(c.linkWrites(mark)); n != 0 {
			t.Fatalf("%d writes for a community the instance does not administer", n)
		}
	})

	// Groups made through the HTTP sandbox route, as the README's walkthrough makes them,
	// belong to the instance's phone and can be linked.
	t.Run("sandbox route groups", func(t *testing.T) {
		community := c.Do("POST", "/sandbox/groups", c.acc, map[string]any{"name": "Hub", "owner": c.own.User, "isCommunity": true}).Want(http.StatusOK)
		group := c.Do("POST", "/sandbox/groups", c.acc, map[string]any{"name": "Garden", "owner": c.own.User}).Want(http.StatusOK)
		res := c.post("link", community.Str("jid"), group.Str("jid")).Want(http.StatusOK)
		wantResults(t, res, map[string]string{group.Str("jid"): "linked"})
		seen := c.Do("GET", "/sandbox/groups/"+group.Str("jid"), c.acc, nil).Want(http.StatusOK)
		if seen.Str("group.parentJid") != community.Str("jid") {
			t.Fatalf("simulator: %s", seen.Raw)
		}
	})

	// Every documented refusal of link and unlink, in the documented order: the body is checked
	// before the instance.
	t.Run("validation", func(t *testing.T) {
		community, _ := c.community("Neighbours")
		cj := community.String()
		tooMany := make([]string, 101)
		for i := range tooMany {
			tooMany[i] = "120363000000000001"
		}
		for _, route := range []string{"link", "unlink"} {
			path := "/api/community/" + route + "/"
			cases := []struct {
				instance string
				body     any
				status   int
				message  string
			}{
				{"shop", nil, 400, "Invalid request body"},
				{"shop", `{"communityJid":`, 400, "Invalid request body"},
				{"shop", map[string]any{}, 400, "community jid is required"},
				{"shop", map[string]any{"communityJid": "  ", "groupJid": []string{"1"}}, 400, "community jid is required"},
				{"shop", map[string]any{"communityJid": cj}, 400, "group jid is required"},
				{"shop", map[string]any{"communityJid": cj, "groupJid": []string{}}, 400, "group jid is required"},
				{"shop", map[string]any{"communityJid": cj, "groupJid": tooMany}, 400, "groupJid accepts at most 100 groups per request"},
				// The body first: an unknown instance with a bad body is a 400.
				{"nobody", map[string]any{"groupJid": []string{"1"}}, 400, "community jid is required"},
				{"nobody", map[string]any{"communityJid": cj, "groupJid": []string{"1"}}, 404, "Instance not found"},
				{"idle", map[string]any{"communityJid": "bad@jid", "groupJid": []string{"1"}}, 400, "Instance is not connected to WhatsApp"},
				{"shop", map[string]any{"communityJid": "bad@jid", "groupJid": []string{"1"}}, 500, "error parse community jid: unknown server"},
				{"shop", map[string]any{"communityJid": "5511999990001@s.whatsapp.net", "groupJid": []string{"1"}}, 500, "error parse community jid: not a group jid"},
			}
			for _, tc := range cases {
				c.Do("POST", path+tc.instance, c.acc, tc.body).WantError(tc.status, tc.message)
			}
			c.Do("POST", path+"shop", "", map[string]any{"communityJid": cj, "groupJid": []string{"1"}}).WantError(401, "Missing token in header")
		}
	})

	// The default limit of 50, enforced before any write.
	t.Run("51st subgroup", func(t *testing.T) {
		community, _ := c.community("Full")
		for i := 0; i < 50; i++ {
			c.create(wasim.CreateGroupRequest{Parent: community})
		}
		extra := c.groups(1)[0]
		mark := time.Now()
		res := c.post("link", community.String(), extra.String()).Want(http.StatusOK)
		wantResults(t, res, map[string]string{extra.String(): "failed/community_full"})
		if msg := res.Str("results.0.message"); msg != "the community is full (at most 50 subgroups, the announcement group not counted)" {
			t.Errorf("message %q", msg)
		}
		if n := len(c.linkWrites(mark)); n != 0 {
			t.Fatalf("%d writes for a full community", n)
		}
	})

	// WhatsApp answers the second link of a batch with rate-overlimit; the batch stops there and
	// the rest are not attempted.
	t.Run("rate limit", func(t *testing.T) {
		community, _ := c.community("Busy")
		g := c.groups(4)
		// Rules apply in order, each to one IQ: the first link passes untouched, the second gets 429.
		c.App.Sim().AddFault(wasim.FaultRule{Match: "links"})
		c.App.Sim().AddFault(wasim.FaultRule{Match: "links", Code: 429})

		mark := time.Now()
		res := c.post("link", community.String(), g[0].String(), g[1].String(), g[2].String(), g[3].String()).Want(http.StatusOK)
		if res.Body["success"] != true || res.Str("message") != "Linked 1 of 4 groups to community" {
			t.Fatalf("answer: %s", res.Raw)
		}
		wantResults(t, res, map[string]string{
			g[0].String(): "linked",
			g[1].String(): "failed/rate_limited",
			g[2].String(): "failed/rate_limited",
			g[3].String(): "failed/rate_limited",
		})
		if msg := res.Str("results.3.message"); !strings.HasPrefix(msg, "not attempted") {
			t.Errorf("a group after the rate limit says %q", msg)
		}
		if n := len(c.linkWrites(mark)); n != 2 {
			t.Fatalf("%d link writes, want 2: none after the rate limit", n)
		}
		for i, want := range []string{community.String(), "", "", ""} {
			if p := c.parentOf(g[i]); p != want {
				t.Errorf("simulator: group %d linked to %q, want %q", i, p, want)
			}
		}
	})

	// The link and unlink writes as WhatsApp received them: one batch, then a link and an unlink
	// of the same instance running at the same time, which share one schedule.
	t.Run("pacing", func(t *testing.T) {
		community, _ := c.community("Paced")
		g := c.groups(6)

		mark := time.Now()
		c.post("link", community.String(), g[0].String(), g[1].String(), g[2].String()).Want(http.StatusOK)
		writes := c.linkWrites(mark)
		if len(writes) != 3 {
			t.Fatalf("%d writes, want 3", len(writes))
		}
		wantGapsAtLeast(t, writes, testLinkInterval)

		mark = time.Now()
		unlinked := make(chan string, 1)
		go func() {
			res := c.Do("POST", "/api/community/unlink/shop", c.acc, map[string]any{"communityJid": community.String(), "groupJid": jids(g[:3]...)})
			unlinked <- res.Str("message")
		}()
		res := c.post("link", community.String(), g[3].String(), g[4].String(), g[5].String()).Want(http.StatusOK)
		if res.Str("message") != "Linked 3 of 3 groups to community" {
			t.Fatalf("concurrent link: %s", res.Raw)
		}
		if msg := <-unlinked; msg != "Unlinked 3 of 3 groups from community" {
			t.Fatalf("concurrent unlink: %q", msg)
		}
		writes = c.linkWrites(mark)
		if len(writes) != 6 {
			t.Fatalf("%d writes, want 6", len(writes))
		}
		wantGapsAtLeast(t, writes, testLinkInterval)
		for i, j := range g {
			want := ""
			if i >= 3 {
				want = community.String()
			}
			if p := c.parentOf(j); p != want {
				t.Errorf("simulator: group %d linked to %q, want %q", i, p, want)
			}
		}
	})
}

// TestCommunitySubgroupLimits: a configured limit (3) enforced before writing, and WhatsApp's
// own refusal (its limit set to 2) when it is stricter than the gateway's pre-check, in one
// batch.
func TestCommunitySubgroupLimits(t *testing.T) {
	c := startCommunityEnv(t, storetest.SQLiteDSN(t), func(cfg *app.Config) {
		cfg.MaxSubGroups = 3
		cfg.SandboxMaxSubGroups = 2
	})
	community, _ := c.community("Small")
	c.create(wasim.CreateGroupRequest{Parent: community})
	g := c.groups(4)
	mark := time.Now()
	res := c.post("link", community.String(), g[0].String(), g[1].String(), g[2].String(), g[3].String()).Want(http.StatusOK)
	if res.Str("message") != "Linked 1 of 4 groups to community" {
		t.Fatalf("answer: %s", res.Raw)
	}
	// g[0] is linked (2 subgroups); WhatsApp refuses g[1]; the pre-check had already kept g[2]
	// and g[3] back (3 subgroups at most), and after WhatsApp's refusal nothing more is tried.
	wantResults(t, res, map[string]string{
		g[0].String(): "linked",
		g[1].String(): "failed/community_full",
		g[2].String(): "failed/community_full",
		g[3].String(): "failed/community_full",
	})
	if msg := res.Str("results.1.message"); msg != "A WhatsApp limit was reached (419 resource-limit)" {
		t.Errorf("WhatsApp's refusal says %q", msg)
	}
	if msg := res.Str("results.2.message"); msg != "the community is full (at most 3 subgroups, the announcement group not counted)" {
		t.Errorf("the pre-check's refusal says %q", msg)
	}
	if n := len(c.linkWrites(mark)); n != 2 {
		t.Fatalf("%d writes, want 2", n)
	}
	for i, want := range []string{community.String(), "", "", ""} {
		if p := c.parentOf(g[i]); p != want {
			t.Errorf("simulator: group %d linked to %q, want %q", i, p, want)
		}
	}
}
