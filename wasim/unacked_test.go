package wasim_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// TestUnackedMessageIsRedelivered: a message the client did not settle (its
// handler failed with SynchronousAck, so it sent no receipt) is delivered
// again at the next login. Checked on the wire: whether the client can
// decrypt a message twice depends on its decrypted-event buffer, not on
// the server.
func TestUnackedMessageIsRedelivered(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, rec := wasimtest.NewClient(t, sim) // the recorder runs first: a failing handler stops later ones
	cli.SynchronousAck = true
	var failed atomic.Bool
	cli.AddEventHandlerWithSuccessStatus(func(evt any) bool {
		if m, ok := evt.(*events.Message); ok && m.Message.GetConversation() == "handle me twice" {
			failed.Store(true)
			return false
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
	// Reconnect only once the simulator has seen the socket close (that is
	// when it puts the unsettled message back in the queue).
	waitUntil(t, "the simulator saw the disconnect", func() bool {
		d, _ := sim.Device(*cli.Store.ID)
		return !d.Online
	})
	if d, _ := sim.Device(*cli.Store.ID); d.Queued < 1 {
		t.Fatalf("nothing queued for redelivery: %+v", d)
	}
	if err := cli.Connect(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the message went out twice", func() bool { return timesSent(sim, id) >= 2 })
	if !failed.Load() {
		t.Fatal("the handler never saw the message")
	}
}

// TestUnackedMessageGoesToTheReplacingLogin: a socket that received a message and never acked it
// (its process frozen, here a handler that fails) is replaced by a second login of the same
// device; that login gets the message at once, not a login later (a gateway node taking over
// from a frozen one relies on it).
func TestUnackedMessageGoesToTheReplacingLogin(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, container, rec := wasimtest.NewClient(t, sim)
	cli.SynchronousAck = true
	cli.AddEventHandlerWithSuccessStatus(func(evt any) bool {
		m, ok := evt.(*events.Message)
		return !ok || m.Message.GetConversation() != "for whoever runs me"
	})
	if err := cli.Connect(); err != nil {
		t.Fatal(err)
	}
	qr := wasimtest.WaitFor[*events.QR](t, rec)
	if _, err := sim.ScanQR(testCtx(t), qr.Codes[0], "15551201011"); err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitFor[*events.Connected](t, rec)
	wasimtest.WaitBootstrapped(t, rec)
	sim.RegisterPhone("15551201012", "Yan")
	id, err := sim.PhoneSendText(testCtx(t), "15551201012", types.NewJID("15551201011", types.DefaultUserServer), "for whoever runs me")
	if err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitForMatch(t, rec, func(e *events.Message) bool { return e.Info.ID == id })

	// The same device logs in on a second socket while the first is still open.
	dev, err := container.GetDevice(testCtx(t), *cli.Store.ID)
	if err != nil || dev == nil {
		t.Fatalf("device: %v", err)
	}
	second := whatsmeow.NewClient(dev, wasimtest.ClientLog("second"))
	wasimtest.Wire(second, sim)
	rec2 := wasimtest.Record(second)
	t.Cleanup(second.Disconnect)
	if err := second.Connect(); err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitFor[*events.Connected](t, rec2)
	// Checked on the wire, as above: the message went out again, on the new socket.
	waitUntil(t, "the message went out twice", func() bool { return timesSent(sim, id) >= 2 })
	if d := sim.DeviceSessions()[0]; d.Replaced != 1 {
		t.Fatalf("device sessions %+v, want the first socket replaced once", d)
	}
}

// timesSent counts the deliveries of message id on the simulator's wire.
func timesSent(sim *wasim.Server, id string) int {
	n := 0
	for _, e := range sim.Trace() {
		if e.Dir == "out" && e.Tag == "message" && strings.Contains(e.XML, `id="`+id+`"`) {
			n++
		}
	}
	return n
}
