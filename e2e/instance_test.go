package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestPairListAndReconnectAfterRestart is the README's walkthrough, then a restart: the paired
// instance must come back connected without a new QR code.
func TestPairListAndReconnectAfterRestart(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		e := apptest.Start(t, dsn)
		acc := e.Account("demo")
		e.Instance(acc, "shop")
		phone := e.Pair(acc, "shop", "")
		res := e.WaitState(acc, "shop", "connected")
		if jid := res.Str("instances.0.connection.numberJid"); !strings.HasPrefix(jid, phone) {
			t.Fatalf("numberJid %q does not belong to phone %s", jid, phone)
		}
		if res.Header.Get("X-Switchboard-Sandbox") != "true" {
			t.Fatal("sandbox responses must say so")
		}

		e.Restart()
		e.WaitState(acc, "shop", "connected")
		// The simulator still knows exactly one device of that phone: no second pairing happened.
		devices := 0
		for _, d := range e.App.Sim().Snapshot().Devices {
			if d.JID.User == phone {
				devices++
			}
		}
		if devices != 1 {
			t.Fatalf("phone %s has %d devices after the restart, want 1", phone, devices)
		}
	})
}

// TestLogoutFromPhoneShowsLoggedOut removes the linked device on the phone side: the instance
// shows loggedout and can be paired again.
func TestLogoutFromPhoneShowsLoggedOut(t *testing.T) {
	e := apptest.Start(t, storetest.SQLiteDSN(t))
	acc := e.Account("demo")
	e.Instance(acc, "shop")
	phone := e.Pair(acc, "shop", "")
	for _, d := range e.App.Sim().Snapshot().Devices {
		if d.JID.User == phone {
			if err := e.App.Sim().RemoveDevice(d.JID); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.WaitState(acc, "shop", "loggedout")
	e.Pair(acc, "shop", phone)
}

// TestSandboxRoutesAbsentOutsideSandbox: a normal server has no /sandbox routes.
func TestSandboxRoutesAbsentOutsideSandbox(t *testing.T) {
	e := apptest.Start(t, storetest.SQLiteDSN(t), func(c *app.Config) { c.Sandbox = false; c.SandboxRoot = nil })
	acc := e.Account("demo")
	e.Do("POST", "/sandbox/scan", acc, `{"qrCode":"x"}`).Want(http.StatusNotFound)
	if e.Do("GET", "/health", "", nil).Header.Get("X-Switchboard-Sandbox") != "" {
		t.Fatal("a normal server must not claim to be a sandbox")
	}
}
