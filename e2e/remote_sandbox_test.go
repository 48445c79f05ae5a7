package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// remoteSandbox configures a gateway for `serve --sandbox-url`: no embedded simulator, every
// instance on the standalone one, the /sandbox routes served through its control API.
func remoteSandbox(sim *wasim.Server) func(*app.Config) {
	return func(c *app.Config) {
		c.Sandbox = false
		c.SandboxURL, c.SandboxToken = sim.URL(), wasimtest.ControlToken
	}
}

// TestGatewaysShareAStandaloneSimulator runs two gateways, each on its own database, against one
// standalone simulator: each pairs an instance through its own /sandbox/scan; neither can take,
// group, fault or inspect the other's phone; and a group both phones are in is ground truth for
// both and reaches both instances' WhatsApp group lists.
func TestGatewaysShareAStandaloneSimulator(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		sim := wasimtest.NewServer(t, wasim.Config{})
		a := apptest.Start(t, dsn, remoteSandbox(sim))
		b := apptest.Start(t, anotherDSN(t, dsn), remoteSandbox(sim))
		testGatewaysShareASimulator(t, sim, a, b)
	})
}

// anotherDSN is a second, empty database of the same kind as dsn.
func anotherDSN(t *testing.T, dsn string) string {
	if strings.HasPrefix(dsn, "postgres") {
		return storetest.PostgresDSN(t)
	}
	return storetest.SQLiteDSN(t)
}

func testGatewaysShareASimulator(t *testing.T, sim *wasim.Server, a, b *apptest.Env) {
	if a.App.Sim() != nil || b.App.Sim() != nil {
		t.Fatal("a gateway with --sandbox-url must not embed a simulator")
	}
	if a.Do("GET", "/health", "", nil).Header.Get("X-Switchboard-Sandbox") != "true" {
		t.Fatal("a gateway on a standalone simulator is a sandbox and must say so")
	}
	accA, accB := a.Account("alpha"), b.Account("beta")
	a.Instance(accA, "shop")
	b.Instance(accB, "shop")
	phoneA := a.Pair(accA, "shop", "5511977770001")
	phoneB := b.Pair(accB, "shop", "5511977770002")
	for _, phone := range []string{phoneA, phoneB} {
		if n := len(phoneDevicesOf(sim, phone)); n != 1 {
			t.Fatalf("the shared simulator lists %d devices of %s, want 1", n, phone)
		}
	}

	// Tenancy holds across gateways: a phone the simulator already has and this gateway's
	// database does not give to the caller is nobody's to take, to group or to inspect.
	b.Do("POST", "/sandbox/users", accB, map[string]any{"phone": phoneA}).
		WantError(http.StatusNotFound, "No simulated phone "+phoneA+" in this account")
	b.Do("POST", "/sandbox/groups", accB, map[string]any{"name": "Grab", "owner": phoneB, "participants": []string{phoneA}}).
		WantError(http.StatusNotFound, "No simulated phone "+phoneA+" in this account")
	fromA := a.Do("POST", "/sandbox/groups", accA, map[string]any{"name": "Made by alpha", "owner": phoneA}).Want(http.StatusOK)
	b.Do("GET", "/sandbox/groups/"+fromA.Str("jid"), accB, nil).WantError(http.StatusNotFound, "Group not found")
	b.Do("POST", "/sandbox/faults", accB, map[string]any{"phone": phoneA, "match": "w:g2", "code": 500}).
		WantError(http.StatusNotFound, "No simulated phone "+phoneA+" in this account")

	// The world itself is shared: a group of both phones (made in the simulator, as a third
	// party would) is ground truth for both accounts and reaches both instances' sessions.
	both, err := sim.CreateGroup(wasim.CreateGroupRequest{
		Owner: types.NewJID(phoneA, types.DefaultUserServer), Name: "Made by the world",
		Participants: []types.JID{types.NewJID(phoneB, types.DefaultUserServer)}, IsCommunity: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, side := range []struct {
		e   *apptest.Env
		acc string
	}{{a, accA}, {b, accB}} {
		seen := side.e.Do("GET", "/sandbox/groups/"+both.JID.String(), side.acc, nil).Want(http.StatusOK)
		if seen.Get("group.isCommunity") != true || roleOf(seen, phoneA) != "superadmin" || roleOf(seen, phoneB) != "" {
			t.Fatalf("the shared community as seen by a gateway: %s", seen.Raw)
		}
		waitGroupListed(side.e, side.acc, "shop", both.JID.String())
	}
}

// TestRemoteSandboxAnswersLikeTheEmbeddedOne sends the same sandbox requests to a gateway with an
// embedded simulator and to one with a standalone simulator: statuses and messages must match,
// refusals included (unknown phone, nothing pending, invalid input, a group the simulator lacks).
func TestRemoteSandboxAnswersLikeTheEmbeddedOne(t *testing.T) {
	sim := wasimtest.NewServer(t, wasim.Config{})
	embedded := apptest.Start(t, storetest.SQLiteDSN(t))
	remote := apptest.Start(t, storetest.SQLiteDSN(t), remoteSandbox(sim))
	accE, accR := embedded.Account("embedded"), remote.Account("remote")

	const staleQR = "https://wa.me/settings/linked_devices#2@x,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,AAAA,1"
	requests := []struct {
		method, path string
		body         any
		status       int
	}{
		{"POST", "/sandbox/users", map[string]any{"phone": "5511966660001", "name": "Owner"}, http.StatusOK},
		{"POST", "/sandbox/users", map[string]any{"phone": "123456"}, http.StatusBadRequest},
		{"POST", "/sandbox/scan", map[string]any{"qrCode": staleQR, "phone": "5511966660002"}, http.StatusNotFound},
		{"POST", "/sandbox/scan", map[string]any{"qrCode": "not a QR code"}, http.StatusBadRequest},
		{"POST", "/sandbox/pairCode", map[string]any{"phone": "5511966660003", "code": "ABCD-EFGH"}, http.StatusNotFound},
		{"POST", "/sandbox/groups", map[string]any{"name": "Orphan", "owner": "5511966660404"}, http.StatusNotFound},
		{"POST", "/sandbox/groups", map[string]any{"name": "Nowhere", "owner": "5511966660001", "participants": []string{"5511966660405"}}, http.StatusNotFound},
		{"POST", "/sandbox/groups", map[string]any{"name": "Lost child", "owner": "5511966660001", "parentJid": "120363000000000404@g.us"}, 0},
		{"GET", "/sandbox/groups/120363000000000404@g.us", nil, http.StatusNotFound},
		{"POST", "/sandbox/faults", map[string]any{"phone": "5511966660001", "match": "w:g2", "code": 429, "times": 2}, http.StatusOK},
	}
	for _, r := range requests {
		name := fmt.Sprintf("%s %s %v", r.method, r.path, r.body)
		e := embedded.Do(r.method, r.path, accE, r.body)
		got := remote.Do(r.method, r.path, accR, r.body)
		if r.status != 0 && e.Status != r.status {
			t.Errorf("%s: the embedded sandbox answered %d, want %d: %s", name, e.Status, r.status, e.Raw)
		}
		if got.Status != e.Status || got.Str("error.message") != e.Str("error.message") || got.Str("error.code") != e.Str("error.code") {
			t.Errorf("%s:\n remote   %d %s\n embedded %d %s", name, got.Status, got.Raw, e.Status, e.Raw)
		}
		if e.Status == http.StatusOK && (got.Str("phone") != e.Str("phone") || got.Str("jid") != e.Str("jid")) {
			t.Errorf("%s: remote answered %s, embedded %s", name, got.Raw, e.Raw)
		}
	}
	// A group made the same way reads the same: members by phone JID, with the same roles.
	views := make([]string, 2)
	for i, side := range []struct {
		e   *apptest.Env
		acc string
	}{{embedded, accE}, {remote, accR}} {
		side.e.Do("POST", "/sandbox/users", side.acc, map[string]any{"phone": "5511966660011"}).Want(http.StatusOK)
		made := side.e.Do("POST", "/sandbox/groups", side.acc, map[string]any{
			"name": "Twins", "owner": "5511966660001", "participants": []string{"5511966660011"}, "admins": []string{"5511966660011"},
		}).Want(http.StatusOK)
		got := side.e.Do("GET", "/sandbox/groups/"+made.Str("jid"), side.acc, nil).Want(http.StatusOK)
		views[i] = fmt.Sprintf("%s: owner %s, member %s, %d members", got.Str("group.name"),
			roleOf(got, "5511966660001"), roleOf(got, "5511966660011"), len(got.List("group.participants")))
	}
	if want := "Twins: owner superadmin, member admin, 2 members"; views[0] != want || views[1] != want {
		t.Errorf("group views: embedded %q, remote %q, want %q", views[0], views[1], want)
	}

	// The remote gateway's requests reached the standalone simulator, not some other one.
	if _, ok := sim.LookupUser(types.NewJID("5511966660001", types.DefaultUserServer)); !ok {
		t.Fatal("the user created through the remote sandbox is not in the standalone simulator")
	}
}

// roleOf is a member's role in a /sandbox/groups/{jid} answer: "", "admin" or "superadmin", and
// "-" for a phone that is not a member.
func roleOf(r *apptest.Response, phone string) string {
	for i := range r.List("group.participants") {
		if r.Str(fmt.Sprintf("group.participants.%d.jid", i)) == phone+"@s.whatsapp.net" {
			return r.Str(fmt.Sprintf("group.participants.%d.role", i))
		}
	}
	return "-"
}

// waitGroupListed polls the instance's group list (its own WhatsApp session's view) until it
// holds jid.
func waitGroupListed(e *apptest.Env, token, instance, jid string) {
	e.T.Helper()
	var last *apptest.Response
	for deadline := time.Now().Add(apptest.Timeout); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
		last = e.Do("GET", "/api/group/list/"+instance+"?participants=false", token, nil)
		for i := range last.List("groups") {
			if last.Str(fmt.Sprintf("groups.%d.jid", i)) == jid {
				return
			}
		}
	}
	e.T.Fatalf("instance %s never listed group %s: %s", instance, jid, last.Raw)
}

// phoneDevicesOf is a phone's "Linked devices" list in the simulator.
func phoneDevicesOf(sim *wasim.Server, phone string) []types.JID {
	var out []types.JID
	for _, d := range sim.Snapshot().Devices {
		if d.Phone == phone {
			out = append(out, d.JID)
		}
	}
	return out
}
