package wasim_test

import (
	"testing"
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

func TestReadReceiptsBothWays(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, rec := wasimtest.NewPairedClientRecorded(t, sim, "15550201001")
	frank, _ := sim.RegisterPhone("15550201002", "Frank")
	alice := types.NewJID("15550201001", types.DefaultUserServer)

	// The client reads the phone's message: the phone records the read receipt.
	id, err := sim.PhoneSendText(testCtx(t), "15550201002", alice, "read me")
	if err != nil {
		t.Fatal(err)
	}
	evt := wasimtest.WaitForMatch(t, rec, func(e *events.Message) bool { return e.Info.ID == id })
	if err := cli.MarkRead(testCtx(t), []types.MessageID{id}, time.Now(), evt.Info.Chat, evt.Info.Sender); err != nil {
		t.Fatal(err)
	}
	r := waitReceipt(t, sim, "15550201002", id, "read")
	if r.From.User != "15550201001" || r.Chat.User != "15550201001" {
		t.Fatalf("receipt = %+v", r)
	}

	// The phone reads the client's message: the client gets a read receipt.
	resp, err := cli.SendMessage(testCtx(t), frank, &waE2E.Message{Conversation: proto.String("did you read this?")})
	if err != nil {
		t.Fatal(err)
	}
	waitInbox(t, sim, "15550201002", func(m wasim.InboxMessage) bool { return m.ID == resp.ID })
	if err := sim.PhoneMarkRead("15550201002", alice, []string{resp.ID}); err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitForMatch(t, rec, func(r *events.Receipt) bool {
		return r.MessageIDs[0] == resp.ID && r.Type == types.ReceiptTypeRead && r.Sender.User == "15550201002"
	})
}

// TestReadSelfNeverReachesTheSender: with read receipts off, whatsmeow's
// MarkRead sends read-self, which must reach only the reader's own devices.
func TestReadSelfNeverReachesTheSender(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	sender, _, recSender := wasimtest.NewPairedClientRecorded(t, sim, "15550202001")
	reader, _, recReader := wasimtest.NewPairedClientRecorded(t, sim, "15550202002")
	readerJID := types.NewJID("15550202002", types.DefaultUserServer)
	if _, err := reader.SetPrivacySetting(testCtx(t), types.PrivacySettingTypeReadReceipts, types.PrivacySettingNone); err != nil {
		t.Fatal(err)
	}
	resp, err := sender.SendMessage(testCtx(t), readerJID, &waE2E.Message{Conversation: proto.String("secret read")})
	if err != nil {
		t.Fatal(err)
	}
	evt := wasimtest.WaitForMatch(t, recReader, func(e *events.Message) bool { return e.Info.ID == resp.ID })
	if err := reader.MarkRead(testCtx(t), []types.MessageID{resp.ID}, time.Now(), evt.Info.Chat, evt.Info.Sender); err != nil {
		t.Fatal(err)
	}
	// The reader's own phone gets the read-self receipt...
	waitReceipt(t, sim, "15550202002", resp.ID, "read-self")
	// ...and after a later stanza from the reader has reached the sender, the
	// sender has seen no read of any kind.
	resp2, err := reader.SendMessage(testCtx(t), types.NewJID("15550202001", types.DefaultUserServer), &waE2E.Message{Conversation: proto.String("later")})
	if err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitForMatch(t, recSender, func(e *events.Message) bool { return e.Info.ID == resp2.ID })
	for _, e := range recSender.Events() {
		if r, ok := e.(*events.Receipt); ok && r.MessageIDs[0] == resp.ID && r.Type != types.ReceiptTypeDelivered && r.Type != types.ReceiptTypeInactive {
			t.Fatalf("sender got a %q receipt for a read-self", r.Type)
		}
	}
	_, receipts, _ := sim.Inbox("15550202001")
	for _, r := range receipts {
		if r.IDs[0] == resp.ID && r.Type != "" && r.Type != "inactive" {
			t.Fatalf("sender's phone got a %q receipt for a read-self", r.Type)
		}
	}
}

// TestPlayedSelfNeverReachesTheSender: a played-self receipt (whatsmeow sends it when asked
// to, e.g. a view-once opened on another device) reaches the player's own devices only.
func TestPlayedSelfNeverReachesTheSender(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	sender, _, recSender := wasimtest.NewPairedClientRecorded(t, sim, "15550204001")
	player, _, recPlayer := wasimtest.NewPairedClientRecorded(t, sim, "15550204002")
	resp, err := sender.SendMessage(testCtx(t), types.NewJID("15550204002", types.DefaultUserServer), &waE2E.Message{Conversation: proto.String("played quietly")})
	if err != nil {
		t.Fatal(err)
	}
	evt := wasimtest.WaitForMatch(t, recPlayer, func(e *events.Message) bool { return e.Info.ID == resp.ID })
	if err := player.MarkRead(testCtx(t), []types.MessageID{resp.ID}, time.Now(), evt.Info.Chat, evt.Info.Sender, types.ReceiptTypePlayedSelf); err != nil {
		t.Fatal(err)
	}
	waitReceipt(t, sim, "15550204002", resp.ID, "played-self")
	later, err := player.SendMessage(testCtx(t), types.NewJID("15550204001", types.DefaultUserServer), &waE2E.Message{Conversation: proto.String("later")})
	if err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitForMatch(t, recSender, func(e *events.Message) bool { return e.Info.ID == later.ID })
	for _, e := range recSender.Events() {
		if r, ok := e.(*events.Receipt); ok && r.MessageIDs[0] == resp.ID && r.Type != types.ReceiptTypeDelivered && r.Type != types.ReceiptTypeInactive {
			t.Fatalf("sender got a %q receipt for a played-self", r.Type)
		}
	}
	_, receipts, _ := sim.Inbox("15550204001")
	for _, r := range receipts {
		if r.IDs[0] == resp.ID && r.Type != "" && r.Type != "inactive" {
			t.Fatalf("sender's phone got a %q receipt for a played-self", r.Type)
		}
	}
}

func TestPhoneWithReadReceiptsOffSendsNoRead(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, rec := wasimtest.NewPairedClientRecorded(t, sim, "15550203001")
	grace, _ := sim.RegisterPhone("15550203002", "Grace")
	if err := sim.SetPrivacy("15550203002", "readreceipts", "none"); err != nil {
		t.Fatal(err)
	}
	resp, err := cli.SendMessage(testCtx(t), grace, &waE2E.Message{Conversation: proto.String("quiet")})
	if err != nil {
		t.Fatal(err)
	}
	waitInbox(t, sim, "15550203002", func(m wasim.InboxMessage) bool { return m.ID == resp.ID })
	if err := sim.PhoneMarkRead("15550203002", types.NewJID("15550203001", types.DefaultUserServer), []string{resp.ID}); err != nil {
		t.Fatal(err)
	}
	// A later message from the phone proves the client has processed what came before.
	id, _ := sim.PhoneSendText(testCtx(t), "15550203002", types.NewJID("15550203001", types.DefaultUserServer), "after")
	wasimtest.WaitForMatch(t, rec, func(e *events.Message) bool { return e.Info.ID == id })
	for _, e := range rec.Events() {
		if r, ok := e.(*events.Receipt); ok && r.MessageIDs[0] == resp.ID && r.Type == types.ReceiptTypeRead {
			t.Fatal("a phone with read receipts off sent a read receipt")
		}
	}
}
