package wasim_test

import (
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

func TestFaultRateOverLimit(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _ := wasimtest.NewPairedClient(t, sim, "")
	sim.AddFault(wasim.FaultRule{Phone: cli.Store.ID.User, Match: "participating", Code: 429})

	_, err := cli.GetJoinedGroups(testCtx(t))
	if !errorsIs(err, whatsmeow.ErrIQRateOverLimit) {
		t.Fatalf("want ErrIQRateOverLimit, got %v", err)
	}
	// The rule fired once; the next call reaches the handler.
	if _, err := cli.GetJoinedGroups(testCtx(t)); err != nil {
		t.Fatalf("second call: %v", err)
	}
}

func TestFaultScopedToPhoneAndDelay(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _ := wasimtest.NewPairedClient(t, sim, "")
	sim.AddFault(wasim.FaultRule{Phone: "19999999999", Match: "usync", Code: 500})
	sim.AddFault(wasim.FaultRule{Match: "usync", Delay: 200 * time.Millisecond, Times: -1})
	start := time.Now()
	if _, err := cli.IsOnWhatsApp(testCtx(t), []string{"+15550009999"}); err != nil {
		t.Fatalf("other phone's fault applied: %v", err)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Fatalf("delay not applied (%s)", d)
	}
	sim.ClearFaults()
}

func TestIsOnWhatsAppAndUserInfo(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _ := wasimtest.NewPairedClient(t, sim, "")
	other, err := sim.RegisterPhone("15550005555", "Other")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := cli.IsOnWhatsApp(testCtx(t), []string{"+15550005555", "+15550006666"})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp) != 2 || !resp[0].IsIn || resp[0].JID != other || resp[1].IsIn {
		t.Fatalf("unexpected IsOnWhatsApp answer %+v", resp)
	}
	info, err := cli.GetUserInfo(testCtx(t), []types.JID{other})
	if err != nil {
		t.Fatal(err)
	}
	lid, _ := sim.LookupUser(other)
	if info[other].LID != lid || len(info[other].Devices) != 1 {
		t.Fatalf("unexpected user info %+v (want LID %v and the phone device)", info[other], lid)
	}
}

func TestDirectMessageRelay(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	alice, _ := wasimtest.NewPairedClient(t, sim, "15550007001")
	bob, _, bobEvents := wasimtest.NewPairedClientRecorded(t, sim, "15550007002")

	resp, err := alice.SendMessage(testCtx(t), bob.Store.ID.ToNonAD(), &waE2E.Message{Conversation: proto.String("hello bob")})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	msg := wasimtest.WaitForMatch(t, bobEvents, func(e *events.Message) bool { return e.Info.ID == resp.ID })
	if msg.Message.GetConversation() != "hello bob" || msg.Info.ID != resp.ID {
		t.Fatalf("bob got %+v", msg)
	}
	if msg.Info.Sender.User != alice.Store.ID.User || msg.Info.IsFromMe {
		t.Fatalf("wrong sender info %+v", msg.Info.MessageSource)
	}
}

func TestOfflineDeliveryAfterLogin(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	alice, _ := wasimtest.NewPairedClient(t, sim, "15550008001")
	bob, bobStore, _ := wasimtest.NewPairedClientRecorded(t, sim, "15550008002")
	bobID := bob.Store.ID.ToNonAD()
	bob.Disconnect()

	if _, err := alice.SendMessage(testCtx(t), bobID, &waE2E.Message{Conversation: proto.String("while you were away")}); err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	// The simulator may notice bob's disconnect only after the relay wrote to
	// the dying socket; the unsettled message is then queued when it does.
	waitUntil(t, "one stanza queued for offline bob", func() bool {
		d, _ := sim.Device(*bob.Store.ID)
		return d.Queued == 1 && !d.Online
	})
	_, rec := clientFromStore(t, sim, bobStore)
	msg := wasimtest.WaitForMatch(t, rec, func(e *events.Message) bool { return e.Message.GetProtocolMessage() == nil })
	if msg.Message.GetConversation() != "while you were away" {
		t.Fatalf("bob got %+v", msg.Message)
	}
	done := wasimtest.WaitFor[*events.OfflineSyncCompleted](t, rec)
	if done.Count != 1 {
		t.Fatalf("offline marker count %d, want 1", done.Count)
	}
}
