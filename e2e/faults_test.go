package e2e

import (
	"testing"

	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestDroppedConnectionReconnectsByItself: a network failure is not a logout; whatsmeow
// reconnects and the instance is connected again without anyone calling the API.
func TestDroppedConnectionReconnectsByItself(t *testing.T) {
	if raceDetector {
		t.Skip("runs without -race (.ci/run's reliability step): whatsmeow's socket teardown races with itself when a connection drops (FrameSocket.Close against NoiseSocket.Stop); see race_on_test.go")
	}
	e := apptest.Start(t, storetest.SQLiteDSN(t))
	acc := e.Account("demo")
	e.Instance(acc, "shop")
	phone := e.Pair(acc, "shop", "")
	before := e.App.Sim().Snapshot()
	for _, dev := range devicesOf(e, phone) {
		if err := e.App.Sim().DropConnection(dev); err != nil {
			t.Fatal(err)
		}
	}
	e.WaitState(acc, "shop", "connected")
	if n := len(devicesOf(e, phone)); n != 1 {
		t.Fatalf("phone has %d devices after the reconnect, want 1 (snapshot before: %d devices)", n, len(before.Devices))
	}
}

// TestLoginFailuresShowTheirReason: WhatsApp's login refusals (a temporary ban, an outdated
// client) leave the instance disconnected with the reason in the list, not "connecting" forever.
// A 401 at login means the device was unlinked: loggedout, ready for a new QR.
func TestLoginFailuresShowTheirReason(t *testing.T) {
	e := apptest.Start(t, storetest.SQLiteDSN(t))
	acc := e.Account("demo")
	for _, c := range []struct {
		name, state, reason string
		code                int
	}{
		{"banned", "disconnected", "temporary_ban", 402},
		{"outdated", "disconnected", "client_outdated", 405},
		{"unlinked", "loggedout", "logged_out", 401},
	} {
		e.Instance(acc, c.name)
		phone := e.Pair(acc, c.name, "")
		e.App.Sim().FailNextLogin(phone, c.code)
		for _, dev := range devicesOf(e, phone) {
			if err := e.App.Sim().DropConnection(dev); err != nil {
				t.Fatal(err)
			}
		}
		res := e.WaitState(acc, c.name, c.state)
		if got := res.Str("instances.0.connection.reason"); got != c.reason {
			t.Errorf("%s: reason %q, want %q: %s", c.name, got, c.reason, res.Raw)
		}
	}
}
