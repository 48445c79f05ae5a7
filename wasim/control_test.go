package wasim_test

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// TestControlPairsByQRAndByCode pairs real whatsmeow clients through the control API only: the
// phone side of a standalone simulator, as another process drives it.
func TestControlPairsByQRAndByCode(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	ctl := wasim.NewControlClient(sim.URL(), wasimtest.ControlToken)
	ctx := testCtx(t)

	cli, _, rec := wasimtest.NewClient(t, sim)
	if err := cli.Connect(); err != nil {
		t.Fatal(err)
	}
	qr := wasimtest.WaitFor[*events.QR](t, rec)
	jid, err := ctl.ScanQR(ctx, qr.Codes[0], "15550101001")
	if err != nil {
		t.Fatalf("ScanQR over the control API: %v", err)
	}
	wasimtest.WaitFor[*events.Connected](t, rec)
	if *cli.Store.ID != jid || jid.User != "15550101001" {
		t.Fatalf("client stored %v, control API answered %v", cli.Store.ID, jid)
	}

	cli2, _, rec2 := wasimtest.NewClient(t, sim)
	if err := cli2.Connect(); err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitFor[*events.QR](t, rec2)
	code, err := cli2.PairPhone(ctx, "15550101002", true, whatsmeow.PairClientChrome, "Chrome (Linux)")
	if err != nil {
		t.Fatal(err)
	}
	jid2, err := ctl.EnterPairCode(ctx, "15550101002", code)
	if err != nil {
		t.Fatalf("EnterPairCode over the control API: %v", err)
	}
	wasimtest.WaitFor[*events.Connected](t, rec2)
	if *cli2.Store.ID != jid2 {
		t.Fatalf("client stored %v, control API answered %v", cli2.Store.ID, jid2)
	}
	if d, ok := sim.Device(jid2); !ok || d.Phone != "15550101002" {
		t.Fatalf("simulator does not hold the code-paired device %v: %+v", jid2, d)
	}
}

// TestControlGroupsAndFaults: groups created through the control API are the simulator's own
// (the same view in-process and over the wire), and a fault added through it reaches clients.
func TestControlGroupsAndFaults(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	ctl := wasim.NewControlClient(sim.URL(), wasimtest.ControlToken)
	ctx := testCtx(t)
	cli, _ := wasimtest.NewPairedClient(t, sim, "15550102001")

	owner, err := ctl.RegisterPhone(ctx, "15550102999", "Owner")
	if err != nil || owner != types.NewJID("15550102999", types.DefaultUserServer) {
		t.Fatalf("RegisterPhone = %v, %v", owner, err)
	}
	if acc := sim.Snapshot().Accounts; !hasAccount(acc, "15550102999", "Owner") {
		t.Fatalf("registered phone missing from the simulator: %+v", acc)
	}
	ownerLID, ok, err := ctl.LookupUser(ctx, owner)
	if want, _ := sim.LookupUser(owner); err != nil || !ok || ownerLID != want {
		t.Fatalf("LookupUser = %v, %v, %v; want %v", ownerLID, ok, err, want)
	}

	member := cli.Store.ID.ToNonAD()
	community, err := ctl.CreateGroup(ctx, wasim.CreateGroupRequest{
		Owner: owner, Name: "Control community", IsCommunity: true, Participants: []types.JID{member},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !community.IsCommunity || len(community.SubGroups) != 1 {
		t.Fatalf("community over the wire: %+v", community)
	}
	got, ok, err := ctl.Group(ctx, community.JID)
	if err != nil || !ok {
		t.Fatalf("Group = %v, %v", ok, err)
	}
	want, _ := sim.Group(community.JID)
	if !got.Creation.Equal(want.Creation) {
		t.Fatalf("creation time %v over the wire, %v in-process", got.Creation, want.Creation)
	}
	got.Creation, want.Creation = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("group over the wire differs from the simulator's:\n got %+v\nwant %+v", got, want)
	}

	if err := ctl.AddFault(ctx, wasim.FaultRule{Phone: "15550102001", Match: "w:g2", Code: 429}); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.CreateGroup(ctx, whatsmeow.ReqCreateGroup{Name: "Refused"}); !errors.Is(err, whatsmeow.ErrIQRateOverLimit) {
		t.Fatalf("fault added over the control API: want rate-overlimit, got %v", err)
	}
	if _, err := cli.CreateGroup(ctx, whatsmeow.ReqCreateGroup{Name: "Accepted"}); err != nil {
		t.Fatalf("the fault should fire once: %v", err)
	}
}

// TestControlReturnsTheServersErrors: every refusal reads as the in-process call's error and
// matches the same sentinel, so callers handle a standalone simulator exactly like an embedded one.
func TestControlReturnsTheServersErrors(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	ctl := wasim.NewControlClient(sim.URL(), wasimtest.ControlToken)
	ctx := testCtx(t)
	owner, err := sim.RegisterPhone("15550103999", "")
	if err != nil {
		t.Fatal(err)
	}
	const staleQR = "https://wa.me/settings/linked_devices#2@x,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,AAAA,1"
	badCommunity := wasim.CreateGroupRequest{Owner: owner, Name: "x", IsCommunity: true, Parent: types.NewJID("1203630000", types.GroupServer)}
	// The group engine's errors match by code and text; its in-process error is the sentinel.
	_, groupErr := sim.CreateGroup(badCommunity)

	cases := []struct {
		name     string
		local    func() error
		remote   func() error
		sentinel error
	}{
		{"scan of a QR nobody shows",
			func() error { _, err := sim.ScanQR(ctx, staleQR, ""); return err },
			func() error { _, err := ctl.ScanQR(ctx, staleQR, ""); return err },
			wasim.ErrNoPendingPairing},
		{"pairing code nobody waits for",
			func() error { _, err := sim.EnterPairCode(ctx, "15550103001", "ABCD-EFGH"); return err },
			func() error { _, err := ctl.EnterPairCode(ctx, "15550103001", "ABCD-EFGH"); return err },
			wasim.ErrNoPendingPairing},
		{"malformed QR",
			func() error { _, err := sim.ScanQR(ctx, "not a QR", ""); return err },
			func() error { _, err := ctl.ScanQR(ctx, "not a QR", ""); return err },
			nil},
		{"invalid phone",
			func() error { _, err := sim.RegisterPhone("0123", ""); return err },
			func() error { _, err := ctl.RegisterPhone(ctx, "0123", ""); return err },
			nil},
		{"community inside a community",
			func() error { _, err := sim.CreateGroup(badCommunity); return err },
			func() error { _, err := ctl.CreateGroup(ctx, badCommunity); return err },
			groupErr},
	}
	for _, c := range cases {
		local, remote := c.local(), c.remote()
		if local == nil || remote == nil {
			t.Errorf("%s: in-process %v, over the wire %v; want both to fail", c.name, local, remote)
			continue
		}
		if local.Error() != remote.Error() {
			t.Errorf("%s: over the wire %q, in-process %q", c.name, remote, local)
		}
		if c.sentinel != nil && !errors.Is(remote, c.sentinel) {
			t.Errorf("%s: %v does not match %v", c.name, remote, c.sentinel)
		}
		if errors.Is(remote, wasim.ErrControlUnavailable) {
			t.Errorf("%s: a refusal is not an unavailable simulator: %v", c.name, remote)
		}
	}

	if _, ok, err := ctl.LookupUser(ctx, types.NewJID("15550103404", types.DefaultUserServer)); ok || err != nil {
		t.Errorf("unknown user: ok %v, err %v; want not ok and no error", ok, err)
	}
	if _, ok, err := ctl.Group(ctx, types.NewJID("1203639999", types.GroupServer)); ok || err != nil {
		t.Errorf("unknown group: ok %v, err %v; want not ok and no error", ok, err)
	}
}

// TestControlRefusesBadRequestsAndAnswersUnavailable: a body the control API cannot read is a
// 400 with an error kind, and a client of a simulator that is not there says so.
func TestControlRefusesBadRequestsAndAnswersUnavailable(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	for _, body := range []string{`{"qrCode":`, `{"qrCode":"x","surprise":1}`, `{"qrCode":"x"} trailing`} {
		if status := postControl(t, sim.URL()+"/wasim/control/scan", wasimtest.ControlToken, body); status != http.StatusBadRequest {
			t.Errorf("body %s: status %d, want 400", body, status)
		}
	}
	if status := postControl(t, sim.URL()+"/wasim/control/faults", wasimtest.ControlToken, `{"match":"w:g2","delayMs":-1}`); status != http.StatusBadRequest {
		t.Errorf("negative delay: status %d, want 400", status)
	}

	gone := wasimtest.NewServer(t, wasim.Config{})
	url := gone.URL()
	if err := gone.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := wasim.NewControlClient(url, wasimtest.ControlToken).RegisterPhone(testCtx(t), "", ""); !errors.Is(err, wasim.ErrControlUnavailable) {
		t.Fatalf("stopped simulator: want ErrControlUnavailable, got %v", err)
	}
}

// TestControlNeedsItsSecret: the control API answers 401 to a request without the simulator's
// control token or with another one, and does not exist at all on a simulator without a token
// (the one a gateway embeds). Nothing a refused request asked for happens.
func TestControlNeedsItsSecret(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{ControlToken: "the-right-secret"})
	const body = `{"phone":"15550104001","pushName":"Mallory"}`
	for _, token := range []string{"", "wrong-secret", "the-right-secre", "the-right-secretX"} {
		if status := postControl(t, sim.URL()+"/wasim/control/phones", token, body); status != http.StatusUnauthorized {
			t.Errorf("token %q: status %d, want 401", token, status)
		}
	}
	if _, ok := sim.LookupUser(types.NewJID("15550104001", types.DefaultUserServer)); ok {
		t.Fatal("a refused control request registered a phone")
	}
	if _, err := wasim.NewControlClient(sim.URL(), "wrong-secret").RegisterPhone(testCtx(t), "", ""); !errors.Is(err, wasim.ErrControlUnavailable) ||
		!strings.Contains(err.Error(), "control token") {
		t.Fatalf("client with the wrong secret: %v", err)
	}
	if status := postControl(t, sim.URL()+"/wasim/control/phones", "the-right-secret", body); status != http.StatusOK {
		t.Fatalf("the right secret: status %d, want 200", status)
	}

	embedded, err := wasim.New(wasim.Config{RootKey: wasimtest.SharedRoot()})
	if err != nil {
		t.Fatal(err)
	}
	if err := embedded.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = embedded.Close() })
	for _, token := range []string{"", "anything"} {
		if status := postControl(t, embedded.URL()+"/wasim/control/phones", token, body); status != http.StatusNotFound {
			t.Errorf("simulator without a control token, token %q: status %d, want 404 (no control API)", token, status)
		}
	}
}

// postControl posts body to a control route with token as the bearer secret ("" sends none).
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

func hasAccount(accounts []wasim.AccountInfo, phone, name string) bool {
	for _, a := range accounts {
		if a.Phone == phone && a.PushName == name {
			return true
		}
	}
	return false
}
