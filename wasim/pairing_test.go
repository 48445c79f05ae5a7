package wasim_test

import (
	"context"
	"testing"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), wasimtest.Timeout)
	t.Cleanup(cancel)
	return ctx
}

func TestPairByQR(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _ := wasimtest.NewPairedClient(t, sim, "15550001111")

	id := cli.Store.ID
	if id == nil || id.User != "15550001111" || id.Device == 0 || id.Server != types.DefaultUserServer {
		t.Fatalf("unexpected device JID %v", id)
	}
	if !cli.IsLoggedIn() {
		t.Fatal("client not logged in")
	}
	dev, ok := sim.Device(*id)
	if !ok || !dev.Online {
		t.Fatalf("simulator does not see the device online: %+v %v", dev, ok)
	}
	if cli.Store.LID.User == "" || cli.Store.LID != dev.LID {
		t.Fatalf("LID mismatch: client %v, simulator %v", cli.Store.LID, dev.LID)
	}
	if dev.PreKeys < 700 {
		t.Fatalf("expected the initial prekey upload to be stored, have %d", dev.PreKeys)
	}
}

func TestPairByQRAutoRegistersPhoneAndNumbersDevices(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	a, _ := wasimtest.NewPairedClient(t, sim, "")
	b, _ := wasimtest.NewPairedClient(t, sim, a.Store.ID.User)
	if a.Store.ID.User != b.Store.ID.User {
		t.Fatalf("second device paired to another phone: %v vs %v", a.Store.ID, b.Store.ID)
	}
	if a.Store.ID.Device == b.Store.ID.Device || a.Store.ID.Device == 0 || b.Store.ID.Device == 0 {
		t.Fatalf("device numbers must be nonzero and unique: %v %v", a.Store.ID, b.Store.ID)
	}
	if len(sim.Snapshot().Accounts) != 1 {
		t.Fatalf("want one account, got %+v", sim.Snapshot().Accounts)
	}
}

func TestPairByCode(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, rec := wasimtest.NewClient(t, sim)
	if err := cli.Connect(); err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitFor[*events.QR](t, rec)
	ctx := testCtx(t)
	code, err := cli.PairPhone(ctx, "+1 555 000 2222", true, whatsmeow.PairClientChrome, "Chrome (Linux)")
	if err != nil {
		t.Fatalf("PairPhone: %v", err)
	}
	jid, err := sim.EnterPairCode(ctx, "15550002222", code)
	if err != nil {
		t.Fatalf("EnterPairCode: %v", err)
	}
	success := wasimtest.WaitFor[*events.PairSuccess](t, rec)
	if success.ID != jid {
		t.Fatalf("PairSuccess for %v, simulator paired %v", success.ID, jid)
	}
	wasimtest.WaitFor[*events.Connected](t, rec)
	if *cli.Store.ID != jid {
		t.Fatalf("store has %v, want %v", cli.Store.ID, jid)
	}
}

func TestPairPhoneRejectsBadDisplayName(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, rec := wasimtest.NewClient(t, sim)
	if err := cli.Connect(); err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitFor[*events.QR](t, rec)
	_, err := cli.PairPhone(testCtx(t), "15550003333", true, whatsmeow.PairClientChrome, "not a browser")
	if !errorsIs(err, whatsmeow.ErrIQBadRequest) {
		t.Fatalf("want 400 bad-request, got %v", err)
	}
}

func TestScanQRUnknownCode(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	const qr = "https://wa.me/settings/linked_devices#2@x,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=,AAAA,1"
	if _, err := sim.ScanQR(testCtx(t), qr, ""); !errorsIs(err, wasim.ErrNoPendingPairing) {
		t.Fatalf("want ErrNoPendingPairing, got %v", err)
	}
}
