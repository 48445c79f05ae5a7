package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

const (
	// crashLinkInterval is the pause between two links (SWITCHBOARD_LINK_INTERVAL): long enough
	// that a kill lands between links, short enough for a fast test.
	crashLinkInterval = 300 * time.Millisecond
	groupsPerLink     = 5
)

// TestCrashDuringAsyncLink kills the gateway with SIGKILL while an async community link
// (?async=true) runs. After each restart: the database is intact; the job says interrupted,
// with a done count WhatsApp confirms; no group was linked twice, then or after the restart.
func TestCrashDuringAsyncLink(t *testing.T) {
	rounds, rng := crashPlan(t, 3) // keeps the default run, build included, well under a minute
	sim := wasimtest.NewServer(t, wasim.Config{RootKey: wasimtest.SharedRoot()})
	g := newGateway(t, sim.URL(), "SWITCHBOARD_LINK_INTERVAL="+crashLinkInterval.String())
	acc := g.createAccount("crash-link")
	g.start()

	admin := pairedInstance{name: "admin", phone: "5511960000000"}
	created := g.must("POST", "/api/instance/new", acc, map[string]any{"name": admin.name})
	if created.status != http.StatusCreated {
		t.Fatalf("create %s: %v", admin.name, created)
	}
	admin.token = created.str("instance.token")
	if err := scan(sim, requestQR(t, g, admin), admin.phone); err != nil {
		t.Fatal(err)
	}
	g.waitState(admin.token, admin.name, "connected")
	owner := types.NewJID(admin.phone, types.DefaultUserServer)

	for round := range rounds {
		// A community per round: a community holds a bounded number of subgroups.
		community, groups := linkScene(t, sim, owner, round)
		accepted := g.must("POST", "/api/community/link/"+admin.name+"?async=true", admin.token,
			map[string]any{"communityJid": community.String(), "groupJid": jidStrings(groups)})
		id := accepted.str("job.id")
		if accepted.status != http.StatusAccepted || id == "" {
			t.Fatalf("round %d: async link: %v", round, accepted)
		}
		// The links go out at 0, 1, 2, 3 and 4 intervals: any instant before the last one
		// cuts the batch.
		delay := randDuration(rng, (groupsPerLink-1)*crashLinkInterval)
		time.Sleep(delay)
		g.kill()
		linked := linkedTo(sim, community, groups)

		checkIntegrity(t, g.dbPath)
		g.start()
		g.waitState(admin.token, admin.name, "connected")

		job := g.must("GET", "/api/job/get/"+admin.name+"?id="+id, admin.token, nil)
		done, _ := job.body.Get("job.done").(float64)
		t.Logf("round %d: SIGKILL %v after the 202: job %s done=%v, WhatsApp shows %d of %d linked",
			round, delay, job.str("job.status"), done, linked, groupsPerLink)
		if job.status != http.StatusOK || job.str("job.status") != "interrupted" {
			t.Fatalf("round %d: job after the restart: %v, want interrupted", round, job)
		}
		// A link is written to WhatsApp, then counted: the count may trail WhatsApp by the one
		// link in flight, never run ahead of it.
		if int(done) > linked || linked > int(done)+1 {
			t.Fatalf("round %d: job says %v done, WhatsApp shows %d linked", round, done, linked)
		}
		// The restarted gateway must not resume the batch on its own: what WhatsApp shows now is
		// what it showed at the kill, and every group received at most one link request.
		if now := linkedTo(sim, community, groups); now != linked {
			t.Fatalf("round %d: %d groups linked at the kill, %d after the restart", round, linked, now)
		}
		for _, grp := range groups {
			if n := linkRequestsFor(sim, grp); n > 1 {
				t.Fatalf("round %d: group %s received %d link requests", round, grp, n)
			}
		}
	}
}

// linkScene creates, as the instance's own phone, a community and groupsPerLink groups.
func linkScene(t *testing.T, sim *wasim.Server, owner types.JID, round int) (types.JID, []types.JID) {
	t.Helper()
	community, err := sim.CreateGroup(wasim.CreateGroupRequest{Owner: owner, Name: fmt.Sprintf("Community %d", round), IsCommunity: true})
	if err != nil {
		t.Fatal(err)
	}
	groups := make([]types.JID, groupsPerLink)
	for i := range groups {
		grp, err := sim.CreateGroup(wasim.CreateGroupRequest{Owner: owner, Name: fmt.Sprintf("Group %d.%d", round, i)})
		if err != nil {
			t.Fatal(err)
		}
		groups[i] = grp.JID
	}
	return community.JID, groups
}

// linkedTo counts the groups the simulator shows inside community: WhatsApp's ground truth.
func linkedTo(sim *wasim.Server, community types.JID, groups []types.JID) int {
	n := 0
	for _, grp := range groups {
		if view, ok := sim.Group(grp); ok && view.Parent == community {
			n++
		}
	}
	return n
}

// linkRequestsFor counts the link IQs naming group that the simulator received from any client.
func linkRequestsFor(sim *wasim.Server, group types.JID) int {
	n := 0
	for _, st := range sim.Trace() {
		if st.Dir == "in" && st.Tag == "iq" && strings.Contains(st.XML, "<links") && strings.Contains(st.XML, group.String()) {
			n++
		}
	}
	return n
}
