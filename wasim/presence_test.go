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

func TestPresenceSubscribeAndUpdates(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, rec := wasimtest.NewPairedClientRecorded(t, sim, "15550801001")
	pat, _ := sim.RegisterPhone("15550801002", "Pat")
	if err := cli.SendPresence(testCtx(t), types.PresenceAvailable); err != nil {
		t.Fatal(err)
	}
	if err := cli.SubscribePresence(testCtx(t), pat); err != nil {
		t.Fatal(err)
	}
	first := wasimtest.WaitFor[*events.Presence](t, rec)
	if first.From != pat || !first.Unavailable {
		t.Fatalf("initial presence %+v", first)
	}
	if err := sim.SetPhonePresence("15550801002", true); err != nil {
		t.Fatal(err)
	}
	online := wasimtest.WaitFor[*events.Presence](t, rec)
	if online.From != pat || online.Unavailable {
		t.Fatalf("online presence %+v", online)
	}
	if err := sim.SetPhonePresence("15550801002", false); err != nil {
		t.Fatal(err)
	}
	offline := wasimtest.WaitFor[*events.Presence](t, rec)
	if !offline.Unavailable || offline.LastSeen.IsZero() {
		t.Fatalf("offline presence %+v", offline)
	}
	// With last seen hidden, subscribers get no timestamp.
	if err := sim.SetPrivacy("15550801002", "last", "none"); err != nil {
		t.Fatal(err)
	}
	_ = sim.SetPhonePresence("15550801002", false)
	hidden := wasimtest.WaitFor[*events.Presence](t, rec)
	if !hidden.LastSeen.IsZero() {
		t.Fatalf("last seen leaked: %+v", hidden)
	}
}

func TestChatStatesBothWays(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, rec := wasimtest.NewPairedClientRecorded(t, sim, "15550802001")
	_, _, recOther := wasimtest.NewPairedClientRecorded(t, sim, "15550802002")
	sim.RegisterPhone("15550802003", "Quinn")
	alice := types.NewJID("15550802001", types.DefaultUserServer)
	bob := types.NewJID("15550802002", types.DefaultUserServer)

	if err := sim.PhoneChatState("15550802003", alice, "recording"); err != nil {
		t.Fatal(err)
	}
	cp := wasimtest.WaitFor[*events.ChatPresence](t, rec)
	if cp.Sender.User != "15550802003" || cp.State != types.ChatPresenceComposing || cp.Media != types.ChatPresenceMediaAudio {
		t.Fatalf("chat presence %+v", cp)
	}
	if err := cli.SendChatPresence(testCtx(t), bob, types.ChatPresenceComposing, ""); err != nil {
		t.Fatal(err)
	}
	cp = wasimtest.WaitFor[*events.ChatPresence](t, recOther)
	if cp.Sender.User != "15550802001" || cp.Chat.User != "15550802001" || cp.State != types.ChatPresenceComposing {
		t.Fatalf("relayed chat presence %+v", cp)
	}
}

// TestBlockedSenderIsNotDelivered: after bob blocks alice, her messages and
// typing no longer reach him; the send itself still succeeds (one tick).
func TestBlockedSenderIsNotDelivered(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	alice, _, _ := wasimtest.NewPairedClientRecorded(t, sim, "15550803001")
	bob, _, recBob := wasimtest.NewPairedClientRecorded(t, sim, "15550803002")
	aliceJID := types.NewJID("15550803001", types.DefaultUserServer)
	bobJID := types.NewJID("15550803002", types.DefaultUserServer)
	if _, err := bob.UpdateBlocklist(testCtx(t), aliceJID, events.BlocklistChangeActionBlock); err != nil {
		t.Fatal(err)
	}
	blocked, err := alice.SendMessage(testCtx(t), bobJID, &waE2E.Message{Conversation: proto.String("let me in")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bob.UpdateBlocklist(testCtx(t), aliceJID, events.BlocklistChangeActionUnblock); err != nil {
		t.Fatal(err)
	}
	allowed, err := alice.SendMessage(testCtx(t), bobJID, &waE2E.Message{Conversation: proto.String("thanks")})
	if err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitForMatch(t, recBob, func(e *events.Message) bool { return e.Info.ID == allowed.ID })
	for _, e := range recBob.Events() {
		if m, ok := e.(*events.Message); ok && m.Info.ID == blocked.ID {
			t.Fatal("a blocked sender's message was delivered")
		}
	}
	msgs, _, _ := sim.Inbox("15550803002")
	for _, m := range msgs {
		if m.ID == blocked.ID {
			t.Fatal("a blocked sender's message reached the phone")
		}
	}
}
