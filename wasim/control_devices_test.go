package wasim_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"go.mau.fi/whatsmeow/types/events"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// The cluster tests' ground truth counts what they claim: a second login of the same device
// while the first socket is open shows as two live sockets at once and one replaced login, and
// GET /wasim/control/devices reports the same.
func TestDeviceSessionsCountASecondLogin(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, container, rec := wasimtest.NewPairedClientRecorded(t, sim, "15550007777")
	waitUntil(t, "one live socket", func() bool {
		d := sim.DeviceSessions()
		return len(d) == 1 && d[0].Live == 1
	})
	if d := sim.DeviceSessions()[0]; d.MaxLive != 1 || d.Replaced != 0 {
		t.Fatalf("after one login: %+v, want max 1 and no replaced", d)
	}

	_, rec2 := clientFromStore(t, sim, container) // same device, another process
	wasimtest.WaitFor[*events.Connected](t, rec2)
	wasimtest.WaitFor[*events.StreamReplaced](t, rec)
	waitUntil(t, "the replaced socket closes", func() bool { return sim.DeviceSessions()[0].Live == 1 })
	d := sim.DeviceSessions()[0]
	if d.JID != cli.Store.ID.String() || d.MaxLive != 2 || d.Replaced != 1 || d.Logins != 2 {
		t.Fatalf("after a second login: %+v, want max 2 live, 1 replaced, 2 logins for %s", d, cli.Store.ID)
	}

	req, _ := http.NewRequest("GET", sim.URL()+"/wasim/control/devices", nil)
	req.Header.Set("Authorization", "Bearer "+wasimtest.ControlToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Devices []wasim.DeviceSessions }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /wasim/control/devices: %d %v", resp.StatusCode, err)
	}
	if len(body.Devices) != 1 || body.Devices[0] != d {
		t.Fatalf("control API says %+v, want [%+v]", body.Devices, d)
	}
}
