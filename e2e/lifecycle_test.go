package e2e

import (
	"net/http"
	"testing"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/store/storetest"
)

// devicesOf counts the simulator's linked devices of a phone: the phone's "Linked devices" list.
func devicesOf(e *apptest.Env, phone string) []types.JID {
	var out []types.JID
	for _, d := range e.App.Sim().Snapshot().Devices {
		if d.Phone == phone {
			out = append(out, d.JID)
		}
	}
	return out
}

// TestPairingCodeFlow pairs by phone number: connect?number= returns a code that the simulated
// phone types in.
func TestPairingCodeFlow(t *testing.T) {
	e := apptest.Start(t, storetest.SQLiteDSN(t))
	acc := e.Account("demo")
	e.Instance(acc, "shop")
	const phone = "5511999990001"
	e.Do("POST", "/sandbox/users", acc, map[string]any{"phone": phone, "name": "Shop"}).Want(http.StatusOK)
	res := e.Do("GET", "/api/instance/connect/shop?number="+phone, acc, nil).Want(http.StatusOK)
	code := res.Str("pairingCode")
	if len(code) != 9 || code[4] != '-' {
		t.Fatalf("pairing code %q is not XXXX-XXXX: %s", code, res.Raw)
	}
	e.Do("POST", "/sandbox/pairCode", acc, map[string]any{"phone": phone, "code": code}).Want(http.StatusOK)
	listed := e.WaitState(acc, "shop", "connected")
	if got := listed.Str("instances.0.connection.numberJid"); got != phone+"@s.whatsapp.net" {
		t.Fatalf("numberJid %q", got)
	}
	if n := len(devicesOf(e, phone)); n != 1 {
		t.Fatalf("phone has %d linked devices, want 1", n)
	}
}

// TestLogoutReconnectAndDelete walks an instance through the lifecycle routes and checks each
// step against the phone's side (the simulator's device list).
func TestLogoutReconnectAndDelete(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		e := apptest.Start(t, dsn)
		acc := e.Account("demo")
		e.Instance(acc, "never")
		e.Do("POST", "/api/instance/reconnect/never", acc, nil).
			WantError(http.StatusBadRequest, "Instance has no saved session — call /connect first")

		shop := e.Instance(acc, "shop")
		phone := e.Pair(acc, "shop", "")

		// Reconnect reuses the saved session: still one device, connected again. On a live
		// session it says so rather than dropping the connection (our documented choice).
		res := e.Do("POST", "/api/instance/reconnect/shop", shop, nil).Want(http.StatusOK)
		if msg := res.Str("message"); msg != "Reconnect initiated" && msg != "Instance already connected" {
			t.Fatalf("reconnect: %s", res.Raw)
		}
		e.WaitState(acc, "shop", "connected")
		if n := len(devicesOf(e, phone)); n != 1 {
			t.Fatalf("after reconnect the phone has %d devices, want 1", n)
		}

		// Logout removes the device from the phone; the instance and its token stay.
		res = e.Do("DELETE", "/api/instance/logout/shop", shop, nil).Want(http.StatusOK)
		if res.Str("instance.status") != "loggedout" {
			t.Fatalf("logout: %s", res.Raw)
		}
		e.WaitState(shop, "shop", "loggedout")
		if n := len(devicesOf(e, phone)); n != 0 {
			t.Fatalf("after logout the phone still lists %d devices", n)
		}
		e.Do("POST", "/api/instance/reconnect/shop", shop, nil).
			WantError(http.StatusBadRequest, "Instance has no saved session — call /connect first")

		// Paired again, then deleted: the device leaves the phone and the token dies.
		e.Pair(acc, "shop", phone)
		e.Do("DELETE", "/api/instance/delete/shop", shop, nil).WantError(http.StatusUnauthorized, "Invalid token")
		res = e.Do("DELETE", "/api/instance/delete/shop", acc, nil).Want(http.StatusOK)
		if res.Str("instance.status") != "deleted" {
			t.Fatalf("delete: %s", res.Raw)
		}
		if n := len(devicesOf(e, phone)); n != 0 {
			t.Fatalf("after delete the phone still lists %d devices", n)
		}
		e.Do("GET", "/api/instance/list", shop, nil).WantError(http.StatusUnauthorized, "Invalid token")
		e.Do("DELETE", "/api/instance/delete/shop", acc, nil).WantError(http.StatusNotFound, "Instance not found")
	})
}
