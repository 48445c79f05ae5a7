package e2e

import (
	"net/http"
	"strings"
	"testing"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// TestSandboxPhonesBelongToTheirAccount replays the security review's sandbox findings with two
// accounts on one sandbox gateway. Before the fix Mallory paired her instance to Alice's phone
// (and then read and renamed Alice's groups), read Alice's groups' ground truth, added a fault
// for every phone whose text reached Alice's answers, and cancelled Alice's pairing with a
// wrong code. Now every /sandbox route answers 404 for Alice's phone and group, and Alice's
// instance works throughout.
func TestSandboxPhonesBelongToTheirAccount(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		e := apptest.Start(t, dsn)
		alice, mallory := e.Account("alice"), e.Account("mallory")
		e.Instance(alice, "alice-shop")
		e.Instance(mallory, "mallory-shop")
		alicePhone := e.Pair(alice, "alice-shop", "5511955550001")
		notHers := "No simulated phone " + alicePhone + " in this account"

		// Pairing Mallory's instance to Alice's phone: by QR, by pairing code, by creating it.
		qr := e.Do("GET", "/api/instance/connect/mallory-shop", mallory, nil).Want(http.StatusOK).Str("qrCode")
		e.Do("POST", "/sandbox/scan", mallory, map[string]any{"qrCode": qr, "phone": alicePhone}).WantError(http.StatusNotFound, notHers)
		e.Do("POST", "/sandbox/users", mallory, map[string]any{"phone": alicePhone, "name": "Alice?"}).WantError(http.StatusNotFound, notHers)
		e.Do("GET", "/api/instance/connect/mallory-shop?number="+alicePhone, mallory, nil).Want(http.StatusBadRequest)
		e.Do("POST", "/sandbox/pairCode", mallory, map[string]any{"phone": alicePhone, "code": "ABCD-EFGH"}).WantError(http.StatusNotFound, notHers)
		if n := len(phoneDevicesOf(e.App.Sim(), alicePhone)); n != 1 {
			t.Fatalf("Alice's phone lists %d devices after Mallory's attempts, want 1 (Alice's own)", n)
		}

		// Alice's groups: no ground truth, no membership, no subgroup under her community.
		group := e.Do("POST", "/sandbox/groups", alice, map[string]any{"name": "Alice's secrets", "owner": alicePhone}).Want(http.StatusOK).Str("jid")
		community := e.Do("POST", "/sandbox/groups", alice, map[string]any{"name": "Alice's street", "owner": alicePhone, "isCommunity": true}).Want(http.StatusOK).Str("jid")
		e.Do("GET", "/sandbox/groups/"+group, alice, nil).Want(http.StatusOK)
		e.Do("GET", "/sandbox/groups/"+group, mallory, nil).WantError(http.StatusNotFound, "Group not found")
		e.Do("GET", "/sandbox/groups/"+community, mallory, nil).WantError(http.StatusNotFound, "Group not found")
		malloryPhone := e.Do("POST", "/sandbox/users", mallory, map[string]any{"name": "Mallory"}).Want(http.StatusOK).Str("phone")
		e.Do("POST", "/sandbox/groups", mallory, map[string]any{"name": "Grab", "owner": malloryPhone, "participants": []string{alicePhone}}).
			WantError(http.StatusNotFound, notHers)
		e.Do("POST", "/sandbox/groups", mallory, map[string]any{"name": "Squat", "owner": alicePhone}).WantError(http.StatusNotFound, notHers)
		e.Do("POST", "/sandbox/groups", mallory, map[string]any{"name": "Cuckoo", "owner": malloryPhone, "parentJid": community}).
			WantError(http.StatusNotFound, "Group not found")
		if g, _ := e.App.Sim().Group(types.NewJID(strings.TrimSuffix(community, "@g.us"), types.GroupServer)); len(g.SubGroups) != 1 {
			t.Fatalf("Alice's community has %d subgroups, want only its announcement group", len(g.SubGroups))
		}

		// Faults: none for every phone, none for Alice's, and no free text in any.
		const lure = "Your number is banned, call +1 555 0100"
		e.Do("POST", "/sandbox/faults", mallory, map[string]any{"match": "w:g2", "code": 503, "text": "x", "times": -1}).
			WantError(http.StatusBadRequest, "phone is required")
		e.Do("POST", "/sandbox/faults", mallory, map[string]any{"phone": alicePhone, "match": "w:g2", "code": 503, "times": -1}).
			WantError(http.StatusNotFound, notHers)
		e.Do("POST", "/sandbox/faults", mallory, map[string]any{"phone": malloryPhone, "match": "w:g2", "code": 503, "text": lure}).
			Want(http.StatusBadRequest)
		created := e.Do("POST", "/api/group/create/alice-shop", alice, map[string]any{"name": "Still works"})
		if created.Status != http.StatusOK && created.Status != http.StatusCreated || strings.Contains(string(created.Raw), "banned") {
			t.Fatalf("Alice's group create after Mallory's faults: %d %s", created.Status, created.Raw)
		}

		// A wrong guess at Alice's pending pairing code cannot cancel it.
		e.Instance(alice, "alice-second")
		const second = "5511955550002"
		code := e.Do("GET", "/api/instance/connect/alice-second?number="+second, alice, nil).Want(http.StatusOK).Str("pairingCode")
		if code == "" {
			t.Fatal("no pairing code")
		}
		e.Do("POST", "/sandbox/pairCode", mallory, map[string]any{"phone": second, "code": "ZZZZ-ZZZZ"}).
			WantError(http.StatusNotFound, "No simulated phone "+second+" in this account")
		e.Do("POST", "/sandbox/pairCode", alice, map[string]any{"phone": second, "code": code}).Want(http.StatusOK)
		e.WaitState(alice, "alice-second", "connected")

		// Mallory's own sandbox still works: her phone, her instance, her group.
		mqr := e.Do("GET", "/api/instance/connect/mallory-shop", mallory, nil).Want(http.StatusOK).Str("qrCode")
		e.Do("POST", "/sandbox/scan", mallory, map[string]any{"qrCode": mqr, "phone": malloryPhone}).Want(http.StatusOK)
		e.WaitState(mallory, "mallory-shop", "connected")
		own := e.Do("POST", "/sandbox/groups", mallory, map[string]any{"name": "Mine", "owner": malloryPhone}).Want(http.StatusOK).Str("jid")
		e.Do("GET", "/sandbox/groups/"+own, mallory, nil).Want(http.StatusOK)
		e.Do("GET", "/sandbox/groups/"+own, alice, nil).WantError(http.StatusNotFound, "Group not found")
	})
}

// TestEmbeddedSimulatorHasNoControlAPI: the simulator inside `serve --sandbox` answers 404 on
// every control route, with or without a secret, and the gateway does not log its port.
func TestEmbeddedSimulatorHasNoControlAPI(t *testing.T) {
	e := apptest.Start(t, storetest.SQLiteDSN(t))
	sim := e.App.Sim()
	for _, token := range []string{"", wasimtest.ControlToken} {
		if status := postControl(t, sim.URL()+"/wasim/control/phones", token, `{"phone":"5511955559999"}`); status != http.StatusNotFound {
			t.Errorf("embedded simulator's control API, token %q: status %d, want 404", token, status)
		}
	}
	if _, ok := sim.LookupUser(types.NewJID("5511955559999", types.DefaultUserServer)); ok {
		t.Fatal("a control request reached the embedded simulator")
	}
	if strings.Contains(e.Logs.String(), sim.Addr()) {
		t.Fatalf("the gateway logged the embedded simulator's address %s", sim.Addr())
	}
}

// TestStandaloneSimulatorNeedsTheSecret: a gateway with the wrong control secret is refused by
// the standalone simulator (a 500 for the caller, the gateway being misconfigured) and changes
// nothing there; the right secret works.
func TestStandaloneSimulatorNeedsTheSecret(t *testing.T) {
	sim := wasimtest.NewServer(t, wasim.Config{ControlToken: "the-real-secret"})
	wrong := apptest.Start(t, storetest.SQLiteDSN(t), func(c *app.Config) {
		c.Sandbox, c.SandboxURL, c.SandboxToken = false, sim.URL(), "a-guess"
	})
	acc := wrong.Account("demo")
	wrong.Do("POST", "/sandbox/users", acc, map[string]any{"phone": "5511955558888"}).
		WantError(http.StatusInternalServerError, "The sandbox simulator is unreachable")
	if _, ok := sim.LookupUser(types.NewJID("5511955558888", types.DefaultUserServer)); ok {
		t.Fatal("the simulator obeyed a gateway with the wrong secret")
	}
	right := apptest.Start(t, storetest.SQLiteDSN(t), func(c *app.Config) {
		c.Sandbox, c.SandboxURL, c.SandboxToken = false, sim.URL(), "the-real-secret"
	})
	racc := right.Account("demo")
	right.Do("POST", "/sandbox/users", racc, map[string]any{"phone": "5511955558888"}).Want(http.StatusOK)
}

// TestExpiredQRScanSaysWhatToDo: a scan of a QR code no instance shows any more says how to get
// a new one, in the embedded and the standalone sandbox alike.
func TestExpiredQRScanSaysWhatToDo(t *testing.T) {
	e := apptest.Start(t, storetest.SQLiteDSN(t))
	acc := e.Account("demo")
	e.Instance(acc, "shop")
	qr := e.Do("GET", "/api/instance/connect/shop", acc, nil).Want(http.StatusOK).Str("qrCode")
	// Deleting the instance ends its login: its QR code is now as dead as an expired one.
	e.Do("DELETE", "/api/instance/delete/shop", acc, nil).Want(http.StatusOK)
	e.Do("POST", "/sandbox/scan", acc, map[string]any{"qrCode": qr}).
		WantError(http.StatusNotFound, "QR code expired — call GET /api/instance/connect/{instance} again")
}

// postControl posts body to a simulator control route with token as the bearer secret ("" sends
// none) and returns the status.
func postControl(t *testing.T, url, token, body string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
