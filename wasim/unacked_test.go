package wasim_test

import (
	"context"
	"sync/atomic"
	"testing"

	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// TestUnackedMessageIsRedelivered: a client whose handler fails (with
// SynchronousAck, so it sends no receipt) gets the message again at its
// next login, from its decrypted-event buffer.
func TestUnackedMessageIsRedelivered(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, rec := wasimtest.NewClient(t, sim) // the recorder runs first: a failing handler stops later ones
	cli.SynchronousAck = true
	cli.EnableDecryptedEventBuffer = true
	var failed atomic.Bool
	cli.AddEventHandlerWithSuccessStatus(func(evt any) bool {
		if m, ok := evt.(*events.Message); ok && m.Message.GetConversation() == "handle me twice" {
			return !failed.CompareAndSwap(false, true) // fail the first time only
		}
		return true
	})
	if err := cli.Connect(); err != nil {
		t.Fatal(err)
	}
	qr := wasimtest.WaitFor[*events.QR](t, rec)
	ctx, cancel := context.WithTimeout(context.Background(), wasimtest.Timeout)
	defer cancel()
	if _, err := sim.ScanQR(ctx, qr.Codes[0], "15551201001"); err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitFor[*events.Connected](t, rec)
	wasimtest.WaitBootstrapped(t, rec)
	sim.RegisterPhone("15551201002", "Xia")
	id, err := sim.PhoneSendText(testCtx(t), "15551201002", types.NewJID("15551201001", types.DefaultUserServer), "handle me twice")
	if err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitForMatch(t, rec, func(e *events.Message) bool { return e.Info.ID == id })
	cli.Disconnect()
	waitUntil(t, "the unsettled message is queued again", func() bool {
		d, _ := sim.Device(*cli.Store.ID)
		return d.Queued >= 1 && !d.Online
	})
	if err := cli.Connect(); err != nil {
		t.Fatal(err)
	}
	again := wasimtest.WaitForMatch(t, rec, func(e *events.Message) bool { return e.Info.ID == id })
	if again.Message.GetConversation() != "handle me twice" || !failed.Load() {
		t.Fatalf("redelivered %v (handler failed before: %v)", again.Message, failed.Load())
	}
}
