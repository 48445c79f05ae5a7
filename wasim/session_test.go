package wasim_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

func errorsIs(err, target error) bool { return errors.Is(err, target) }

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wasimtest.Timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// clientFromStore builds a fresh client from an existing store, as a
// restarted gateway would, wires it to sim and connects it.
func clientFromStore(t *testing.T, sim *wasim.Server, container *sqlstore.Container) (*whatsmeow.Client, *wasimtest.Recorder) {
	t.Helper()
	dev, err := container.GetFirstDevice(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	cli := whatsmeow.NewClient(dev, wasimtest.ClientLog("restored"))
	wasimtest.Wire(cli, sim)
	rec := wasimtest.Record(cli)
	t.Cleanup(cli.Disconnect)
	if err := cli.Connect(); err != nil {
		t.Fatal(err)
	}
	return cli, rec
}

func TestReloginAfterRestartWithPersistence(t *testing.T) {
	t.Parallel()
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) { testReloginAfterRestart(t, dialect) })
	}
}

func testReloginAfterRestart(t *testing.T, dialect string) {
	dir := t.TempDir()
	simDB := openSimDB(t, dialect)

	sim1 := wasimtest.NewServer(t, wasim.Config{DB: simDB, Dialect: dialect})
	storePath := filepath.Join(dir, "client.db")
	container, err := wasimtest.OpenStore(testCtx(t), storePath)
	if err != nil {
		t.Fatal(err)
	}
	cli := whatsmeow.NewClient(container.NewDevice(), nil)
	wasimtest.Wire(cli, sim1)
	rec := wasimtest.Record(cli)
	if err := cli.Connect(); err != nil {
		t.Fatal(err)
	}
	qr := wasimtest.WaitFor[*events.QR](t, rec)
	jid, err := sim1.ScanQR(testCtx(t), qr.Codes[0], "15550004444")
	if err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitFor[*events.Connected](t, rec)
	// The phone's post-link bootstrap consumes one of the device's one-time prekeys (its first
	// message to the new companion); compare after it.
	wasimtest.WaitBootstrapped(t, rec)
	before, _ := sim1.Device(jid)

	// Stop both sides.
	cli.Disconnect()
	_ = container.Close()
	if err := sim1.Close(); err != nil {
		t.Fatal(err)
	}

	// A new simulator on the same database knows the device and its keys; a
	// new client from the same store logs in without any QR code.
	sim2 := wasimtest.NewServer(t, wasim.Config{DB: simDB, Dialect: dialect})
	after, ok := sim2.Device(jid)
	if !ok || after.PreKeys != before.PreKeys || after.LID != before.LID {
		t.Fatalf("device not restored: before %+v after %+v", before, after)
	}
	container2, err := wasimtest.OpenStore(testCtx(t), storePath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = container2.Close() })
	cli2, rec2 := clientFromStore(t, sim2, container2)
	wasimtest.WaitFor[*events.Connected](t, rec2)
	if _, ok := wasimtest.Find[*events.QR](rec2); ok {
		t.Fatal("re-login asked for a QR code")
	}
	if *cli2.Store.ID != jid {
		t.Fatalf("logged in as %v, want %v", cli2.Store.ID, jid)
	}
}

func TestUnknownDeviceIsLoggedOut(t *testing.T) {
	t.Parallel()
	simA := wasimtest.NewServer(t, wasim.Config{})
	cli, container := wasimtest.NewPairedClient(t, simA, "")
	cli.Disconnect()

	// Another simulator has never seen this device: login fails with 401.
	simB := wasimtest.NewServer(t, wasim.Config{})
	_, rec := clientFromStore(t, simB, container)
	out := wasimtest.WaitFor[*events.LoggedOut](t, rec)
	if !out.OnConnect || out.Reason != events.ConnectFailureLoggedOut {
		t.Fatalf("unexpected LoggedOut %+v", out)
	}
}

func TestRemoveDeviceFromPhone(t *testing.T) {
	t.Parallel()
	// A bare whatsmeow client deletes its device in memory on logout, racing the goroutines
	// it runs for the phone's post-link messages (see wasim.Config.NoLinkBootstrap).
	sim := wasimtest.NewServer(t, wasim.Config{NoLinkBootstrap: true})
	cli, container, rec := wasimtest.NewPairedClientRecorded(t, sim, "")
	jid := *cli.Store.ID
	if err := sim.RemoveDevice(jid); err != nil {
		t.Fatal(err)
	}
	out := wasimtest.WaitFor[*events.LoggedOut](t, rec)
	if out.OnConnect {
		t.Fatalf("want a live logout (stream error), got %+v", out)
	}
	if _, ok := sim.Device(jid); ok {
		t.Fatal("removed device still known")
	}
	// whatsmeow dispatches LoggedOut before it deletes the store.
	waitUntil(t, "client store deleted", func() bool {
		dev, _ := container.GetDevice(testCtx(t), jid)
		return dev == nil
	})
}

func TestClientLogout(t *testing.T) {
	t.Parallel()
	// A bare whatsmeow client deletes its device in memory on logout, racing the goroutines
	// it runs for the phone's post-link messages (see wasim.Config.NoLinkBootstrap).
	sim := wasimtest.NewServer(t, wasim.Config{NoLinkBootstrap: true})
	cli, _ := wasimtest.NewPairedClient(t, sim, "")
	jid := *cli.Store.ID
	if err := cli.Logout(testCtx(t)); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	if _, ok := sim.Device(jid); ok {
		t.Fatal("simulator still knows the logged-out device")
	}
}

func TestTemporaryBanOnLogin(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, rec := wasimtest.NewPairedClientRecorded(t, sim, "")
	cli.Disconnect()
	sim.FailNextLogin(cli.Store.ID.User, 402)
	if err := cli.Connect(); err != nil {
		t.Fatal(err)
	}
	ban := wasimtest.WaitFor[*events.TemporaryBan](t, rec)
	if ban.Code != events.TempBanSentToTooManyPeople || ban.Expire <= 0 {
		t.Fatalf("unexpected ban %+v", ban)
	}
}

func TestDroppedConnectionReconnects(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, rec := wasimtest.NewPairedClientRecorded(t, sim, "")
	if err := sim.DropConnection(*cli.Store.ID); err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitFor[*events.Disconnected](t, rec)
	wasimtest.WaitFor[*events.Connected](t, rec)
}

func TestStreamReplaced(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, rec := wasimtest.NewPairedClientRecorded(t, sim, "")
	if err := sim.PushStreamError(*cli.Store.ID, "", "replaced"); err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitFor[*events.StreamReplaced](t, rec)
}
