package wasim_test

import (
	"testing"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// TestNewlyLinkedDeviceGetsMessages: a client that cached a user's device
// list learns of the user's newly linked device from the devices
// notification and encrypts for it too.
func TestNewlyLinkedDeviceGetsMessages(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	alice, _, _ := wasimtest.NewPairedClientRecorded(t, sim, "15551101001")
	sim.RegisterPhone("15551101002", "Uma")
	uma := types.NewJID("15551101002", types.DefaultUserServer)
	// The first send caches uma's device list (the phone only).
	first, err := alice.SendMessage(testCtx(t), uma, &waE2E.Message{Conversation: proto.String("one")})
	if err != nil {
		t.Fatal(err)
	}
	waitInbox(t, sim, "15551101002", func(m wasim.InboxMessage) bool { return m.ID == first.ID })
	// Uma links a companion.
	_, _, recUma := wasimtest.NewPairedClientRecorded(t, sim, "15551101002")
	resp, err := alice.SendMessage(testCtx(t), uma, &waE2E.Message{Conversation: proto.String("two")})
	if err != nil {
		t.Fatal(err)
	}
	evt := wasimtest.WaitForMatch(t, recUma, func(e *events.Message) bool { return e.Info.ID == resp.ID })
	if textOf(evt) != "two" {
		t.Fatalf("companion read %q", textOf(evt))
	}
}
