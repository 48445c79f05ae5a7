package wasim_test

import (
	"path/filepath"
	"testing"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// TestSignalStateSurvivesRestart: after both the simulator and the client
// restart on their databases, messages flow both ways on the sessions
// established before (no new X3DH, no undecryptable message).
func TestSignalStateSurvivesRestart(t *testing.T) {
	t.Parallel()
	for _, dialect := range dialects {
		t.Run(dialect, func(t *testing.T) { testSignalStateSurvivesRestart(t, dialect) })
	}
}

func testSignalStateSurvivesRestart(t *testing.T, dialect string) {
	simDB := openSimDB(t, dialect)
	sim1 := wasimtest.NewServer(t, wasim.Config{DB: simDB, Dialect: dialect})
	storePath := filepath.Join(t.TempDir(), "client.db")
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
	if _, err := sim1.ScanQR(testCtx(t), qr.Codes[0], "15550601001"); err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitFor[*events.Connected](t, rec)
	wasimtest.WaitBootstrapped(t, rec)
	kim, _ := sim1.RegisterPhone("15550601002", "Kim")
	alice := types.NewJID("15550601001", types.DefaultUserServer)
	resp, err := cli.SendMessage(testCtx(t), kim, &waE2E.Message{Conversation: proto.String("before")})
	if err != nil {
		t.Fatal(err)
	}
	waitInbox(t, sim1, "15550601002", func(m wasim.InboxMessage) bool { return m.ID == resp.ID })
	id, _ := sim1.PhoneSendText(testCtx(t), "15550601002", alice, "before, back")
	wasimtest.WaitForMatch(t, rec, func(e *events.Message) bool { return e.Info.ID == id })

	cli.Disconnect()
	_ = container.Close()
	if err := sim1.Close(); err != nil {
		t.Fatal(err)
	}

	sim2 := wasimtest.NewServer(t, wasim.Config{DB: simDB, Dialect: dialect})
	container2, err := wasimtest.OpenStore(testCtx(t), storePath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = container2.Close() })
	cli2, rec2 := clientFromStore(t, sim2, container2)
	wasimtest.WaitFor[*events.Connected](t, rec2)
	sim2.ClearTrace()
	resp, err = cli2.SendMessage(testCtx(t), kim, &waE2E.Message{Conversation: proto.String("after")})
	if err != nil {
		t.Fatal(err)
	}
	got := waitInbox(t, sim2, "15550601002", func(m wasim.InboxMessage) bool { return m.ID == resp.ID })
	if got.Text != "after" {
		t.Fatalf("after restart the phone read %q", got.Text)
	}
	id, _ = sim2.PhoneSendText(testCtx(t), "15550601002", alice, "after, back")
	evt := wasimtest.WaitForMatch(t, rec2, func(e *events.Message) bool { return e.Info.ID == id })
	if textOf(evt) != "after, back" {
		t.Fatalf("after restart the client read %q", textOf(evt))
	}
	for _, e := range sim2.Trace() {
		if e.Tag == "message" && containsAll(e.XML, `type="pkmsg"`) {
			t.Fatalf("a session was rebuilt after the restart: %s", e.XML)
		}
	}
	if n := sim2.Undecryptable("15550601002"); n != 0 {
		t.Fatalf("%d undecryptable after restart", n)
	}
}
