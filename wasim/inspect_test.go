package wasim_test

import (
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

func TestUnknownIQGetsEmptyResult(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _ := wasimtest.NewPairedClient(t, sim, "")
	start := time.Now()
	// xmlns "status" is not simulated; the call must not hang for 75 s.
	if err := cli.SetStatusMessage(testCtx(t), "busy"); err != nil {
		t.Fatalf("SetStatusMessage: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("unknown IQ took %s", d)
	}
}

func TestTraceRecordsStanzas(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _ := wasimtest.NewPairedClient(t, sim, "")
	mark := time.Now()
	if _, err := cli.GetJoinedGroups(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	var in, out int
	for _, e := range sim.TraceSince(mark) {
		if e.Device != cli.Store.ID.String() {
			continue
		}
		if e.Dir == "in" && e.Tag == "iq" && e.XMLNS == "w:g2" && e.Type == "get" && strings.Contains(e.XML, "<participating>") {
			in++
		}
		if e.Dir == "out" && e.Tag == "iq" && e.Type == "result" && strings.Contains(e.XML, "<groups") {
			out++
		}
	}
	if in != 1 || out != 1 {
		t.Fatalf("want one participating IQ and one answer in the trace, got %d/%d", in, out)
	}
	if len(sim.Trace()) < 10 {
		t.Fatalf("trace lost the login: %d entries", len(sim.Trace()))
	}
	sim.ClearTrace()
	if n := len(sim.Trace()); n != 0 {
		t.Fatalf("ClearTrace left %d entries", n)
	}
}

func TestSnapshot(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _ := wasimtest.NewPairedClient(t, sim, "15550014001")
	if _, err := sim.RegisterPhone("15550014002", "Bystander"); err != nil {
		t.Fatal(err)
	}
	snap := sim.Snapshot()
	if len(snap.Accounts) != 2 || len(snap.Devices) != 1 {
		t.Fatalf("snapshot %+v", snap)
	}
	d := snap.Devices[0]
	if d.JID != *cli.Store.ID || d.Phone != "15550014001" || !d.Online || d.LID != cli.Store.LID {
		t.Fatalf("device %+v, client %v/%v", d, cli.Store.ID, cli.Store.LID)
	}
	if snap.Accounts[1].PushName != "Bystander" || len(snap.Accounts[1].Devices) != 0 {
		t.Fatalf("account %+v", snap.Accounts[1])
	}
}

func TestStandaloneRootKeyAndClient(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	key, err := wasim.FetchRootKey(testCtx(t), sim.URL())
	if err != nil {
		t.Fatal(err)
	}
	if key != sim.RootPublicKey() || key != *wasimtest.SharedRoot().Pub {
		t.Fatal("root key endpoint disagrees with the simulator")
	}
	// A client wired by address alone (what a separate gateway process does).
	cli, _, rec := wasimtest.NewClient(t, sim)
	h := wasim.HTTPClientFor(sim.Addr())
	cli.SetPreLoginHTTPClient(h)
	cli.SetWebsocketHTTPClient(h)
	if err := cli.Connect(); err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitFor[*events.QR](t, rec)
}

func TestWrongPairCodeFails(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, rec := wasimtest.NewClient(t, sim)
	if err := cli.Connect(); err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitFor[*events.QR](t, rec)
	// The harness's wait, not a tighter one: the pair code's key derivation is slow under the
	// race detector on a loaded machine.
	ctx := testCtx(t)
	code, err := cli.PairPhone(ctx, "15550015001", false, whatsmeow.PairClientFirefox, "Firefox (Linux)")
	if err != nil {
		t.Fatal(err)
	}
	wrong := "AAAA-AAAA"
	if code == wrong {
		wrong = "BBBB-BBBB"
	}
	if _, err := sim.EnterPairCode(ctx, "15550015001", wrong); err == nil {
		t.Fatal("pairing with a wrong code succeeded")
	}
	if cli.Store.ID != nil {
		t.Fatal("client paired with a wrong code")
	}
}

func TestRegisterPhoneNormalisesAndValidates(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	jid, err := sim.RegisterPhone("+1 555 000-1234", "Pat")
	if err != nil || jid.User != "15550001234" {
		t.Fatalf("RegisterPhone = %v, %v", jid, err)
	}
	again, err := sim.RegisterPhone("15550001234", "")
	if err != nil || again != jid {
		t.Fatalf("re-register = %v, %v", again, err)
	}
	for _, bad := range []string{"abc", "0123456789", "12345"} {
		if _, err := sim.RegisterPhone(bad, ""); err == nil {
			t.Errorf("RegisterPhone(%q) accepted", bad)
		}
	}
	a, _ := sim.RegisterPhone("", "")
	b, _ := sim.RegisterPhone("", "")
	if a == b || a.User == "" {
		t.Fatalf("generated numbers %v %v", a, b)
	}
}
