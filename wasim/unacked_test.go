package wasim_test

import (
	"sync/atomic"
	"testing"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// TestUnackedMessageIsRedelivered: a client whose handler fails (with
// SynchronousAck, so no ack is sent) gets the message again at its next
// login, from its decrypted-event buffer.
func TestUnackedMessageIsRedelivered(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	first, store, _ := wasimtest.NewPairedClientRecorded(t, sim, "15551201001")
	sim.RegisterPhone("15551201002", "Xia")
	first.Disconnect()

	dev, err := store.GetFirstDevice(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	cli := whatsmeow.NewClient(dev, wasimtest.ClientLog("sync-ack"))
	wasimtest.Wire(cli, sim)
	cli.SynchronousAck = true
	cli.EnableDecryptedEventBuffer = true
	rec := wasimtest.Record(cli) // first: a failing handler stops the ones after it
	var failed atomic.Bool
	cli.AddEventHandlerWithSuccessStatus(func(evt any) bool {
		if m, ok := evt.(*events.Message); ok && m.Message.GetConversation() == "handle me twice" {
			return !failed.CompareAndSwap(false, true) // fail the first time only
		}
		return true
	})
	t.Cleanup(cli.Disconnect)
	if err := cli.Connect(); err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitFor[*events.Connected](t, rec)
	id, err := sim.PhoneSendText(testCtx(t), "15551201002", types.NewJID("15551201001", types.DefaultUserServer), "handle me twice")
	if err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitForMatch(t, rec, func(e *events.Message) bool { return e.Info.ID == id })
	cli.Disconnect()
	waitUntil(t, "the unacked message is queued again", func() bool {
		d, _ := sim.Device(*cli.Store.ID)
		return d.Queued >= 1 && !d.Online
	})
	if err := cli.Connect(); err != nil {
		t.Fatal(err)
	}
	again := wasimtest.WaitForMatch(t, rec, func(e *events.Message) bool { return e.Info.ID == id })
	if again.Message.GetConversation() != "handle me twice" {
		t.Fatalf("redelivered %v", again.Message)
	}
	if !failed.Load() {
		t.Fatal("the handler never failed")
	}
}
