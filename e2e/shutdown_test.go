package e2e

import (
	"context"
	"net/http"
	"strings"
	"syscall"
	"testing"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// TestSIGTERMDrainsLinkBatches sends SIGTERM to a `switchboard serve` child while a synchronous
// link batch (in an HTTP request) and an async one (a job) are halfway through, paced at
// SWITCHBOARD_LINK_INTERVAL. Both must finish: the request gets its full answer, WhatsApp shows
// every group linked, the process exits 0, and after a restart the job reads done, not
// interrupted.
func TestSIGTERMDrainsLinkBatches(t *testing.T) {
	sim := wasimtest.NewServer(t, wasim.Config{RootKey: wasimtest.SharedRoot()})
	g := newGateway(t, sim.URL(), "SWITCHBOARD_LINK_INTERVAL=300ms", "SWITCHBOARD_SHUTDOWN_TIMEOUT=60s")
	acc := g.createAccount("drain")
	g.start()
	admin, owner := pairAdmin(t, g, sim, acc, "admin", "5511961000000")
	syncCommunity, syncGroups := linkScene(t, sim, owner, 0)
	asyncCommunity, asyncGroups := linkScene(t, sim, owner, 1)

	accepted := g.must("POST", "/api/community/link/admin?async=true", admin.token,
		map[string]any{"communityJid": asyncCommunity.String(), "groupJid": jidStrings(asyncGroups)})
	jobID := accepted.str("job.id")
	if accepted.status != http.StatusAccepted || jobID == "" {
		t.Fatalf("async link: %v", accepted)
	}
	syncAnswer := make(chan answer, 1)
	go func() {
		syncAnswer <- g.call(context.Background(), "POST", "/api/community/link/admin", admin.token,
			map[string]any{"communityJid": syncCommunity.String(), "groupJid": jidStrings(syncGroups)})
	}()
	waitFirstLink(t, sim, syncGroups)
	g.signal(syscall.SIGTERM)

	res := <-syncAnswer
	if res.err != nil || res.status != http.StatusOK || len(res.body.Strings("linked")) != groupsPerLink {
		t.Fatalf("the link request in flight at SIGTERM: %v, want 200 with %d linked", res, groupsPerLink)
	}
	if code := g.waitExit(childTimeout); code != 0 {
		t.Fatalf("exit code %d after a drained SIGTERM, want 0", code)
	}
	if n := linkedTo(sim, syncCommunity, syncGroups); n != groupsPerLink {
		t.Fatalf("WhatsApp shows %d of %d groups of the synchronous batch linked", n, groupsPerLink)
	}
	if n := linkedTo(sim, asyncCommunity, asyncGroups); n != groupsPerLink {
		t.Fatalf("WhatsApp shows %d of %d groups of the async batch linked", n, groupsPerLink)
	}
	if !strings.Contains(g.logs.String(), `"msg":"drained"`) {
		t.Fatal("no drained line in the log")
	}

	g.start()
	job := g.must("GET", "/api/job/get/admin?id="+jobID, admin.token, nil)
	if job.status != http.StatusOK || job.str("job.status") != "done" {
		t.Fatalf("async job after a drained shutdown: %v, want done", job)
	}
}

// TestShutdownTimeoutBoundsTheDrain: with SWITCHBOARD_SHUTDOWN_TIMEOUT=1s and a batch that needs
// a minute, one SIGTERM still ends the process (exit 0) long before the batch could finish, and
// says in the log that it cut the request.
func TestShutdownTimeoutBoundsTheDrain(t *testing.T) {
	sim := wasimtest.NewServer(t, wasim.Config{RootKey: wasimtest.SharedRoot()})
	g := newGateway(t, sim.URL(), "SWITCHBOARD_LINK_INTERVAL=15s", "SWITCHBOARD_SHUTDOWN_TIMEOUT=1s")
	acc := g.createAccount("bounded")
	g.start()
	admin, owner := pairAdmin(t, g, sim, acc, "admin", "5511961000001")
	community, groups := linkScene(t, sim, owner, 0)
	go g.call(context.Background(), "POST", "/api/community/link/admin", admin.token,
		map[string]any{"communityJid": community.String(), "groupJid": jidStrings(groups)})
	waitFirstLink(t, sim, groups)
	g.signal(syscall.SIGTERM)
	// The batch needs 4 × 15 s more; the child must be gone well before that.
	if code := g.waitExit(childTimeout); code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	if !strings.Contains(g.logs.String(), "requests still running at the shutdown timeout are cut") {
		t.Fatal("the log does not say the request was cut")
	}
	if n := linkedTo(sim, community, groups); n == groupsPerLink {
		t.Fatal("the whole batch finished: the timeout did not bound the drain")
	}
}

// TestSecondSignalExitsAtOnce: with a drain allowed ten minutes and a batch that needs a minute,
// a second SIGTERM ends the process at once with status 130, without waiting for the batch.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	sim := wasimtest.NewServer(t, wasim.Config{RootKey: wasimtest.SharedRoot()})
	g := newGateway(t, sim.URL(), "SWITCHBOARD_LINK_INTERVAL=15s", "SWITCHBOARD_SHUTDOWN_TIMEOUT=10m")
	acc := g.createAccount("impatient")
	g.start()
	admin, owner := pairAdmin(t, g, sim, acc, "admin", "5511961000002")
	community, groups := linkScene(t, sim, owner, 0)
	answered := make(chan answer, 1)
	go func() {
		answered <- g.call(context.Background(), "POST", "/api/community/link/admin", admin.token,
			map[string]any{"communityJid": community.String(), "groupJid": jidStrings(groups)})
	}()
	waitFirstLink(t, sim, groups)
	g.signal(syscall.SIGTERM)
	g.waitLog("signal received: shutting down gracefully")
	g.signal(syscall.SIGTERM)
	if code := g.waitExit(childTimeout); code != 130 {
		t.Fatalf("exit code %d after a second signal, want 130", code)
	}
	if res := <-answered; res.err == nil {
		t.Fatalf("the batch answered %v although the process was gone", res)
	}
	if !strings.Contains(g.logs.String(), "second signal: exiting without finishing the shutdown") {
		t.Fatal("no log line for the second signal")
	}
}
