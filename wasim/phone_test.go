package wasim_test

import (
	"testing"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// waitInbox waits until a phone's inbox holds a message matching ok.
func waitInbox(t *testing.T, sim *wasim.Server, phone string, ok func(wasim.InboxMessage) bool) wasim.InboxMessage {
	t.Helper()
	var found wasim.InboxMessage
	waitUntil(t, "phone "+phone+" received the message", func() bool {
		msgs, _, err := sim.Inbox(phone)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if ok(m) {
				found = m
				return true
			}
		}
		return false
	})
	return found
}

// waitReceipt waits until a phone got a receipt of typ for id.
func waitReceipt(t *testing.T, sim *wasim.Server, phone, id, typ string) wasim.InboxReceipt {
	t.Helper()
	var found wasim.InboxReceipt
	waitUntil(t, "phone "+phone+" got a "+typ+" receipt", func() bool {
		_, receipts, _ := sim.Inbox(phone)
		for _, r := range receipts {
			for _, rid := range r.IDs {
				if rid == id && r.Type == typ {
					found = r
					return true
				}
			}
		}
		return false
	})
	return found
}

func textOf(evt *events.Message) string {
	if c := evt.Message.GetConversation(); c != "" {
		return c
	}
	return evt.Message.GetExtendedTextMessage().GetText()
}

func TestInstanceTextReachesPhoneInbox(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, rec := wasimtest.NewPairedClientRecorded(t, sim, "15550101001")
	bob, err := sim.RegisterPhone("15550101002", "Bob")
	if err != nil {
		t.Fatal(err)
	}
	// Two messages: the first is a pkmsg (X3DH against the phone's bundle),
	// the second a msg on the established session.
	for _, text := range []string{"hello bob", "second message"} {
		resp, err := cli.SendMessage(testCtx(t), bob, &waE2E.Message{Conversation: proto.String(text)})
		if err != nil {
			t.Fatal(err)
		}
		got := waitInbox(t, sim, "15550101002", func(m wasim.InboxMessage) bool { return m.ID == resp.ID })
		if got.Text != text || got.Type != "text" || got.Sender.User != "15550101001" || got.Chat.User != "15550101001" || got.FromMe {
			t.Fatalf("inbox entry = %+v, want text %q from 15550101001", got, text)
		}
		// The phone's delivery receipt reaches the sending client.
		wasimtest.WaitForMatch(t, rec, func(r *events.Receipt) bool {
			return r.MessageIDs[0] == resp.ID && r.Type == types.ReceiptTypeDelivered && r.Sender.User == "15550101002"
		})
	}
	// The sender's own phone got the DeviceSentMessage copy, filed under the recipient.
	own := waitInbox(t, sim, "15550101001", func(m wasim.InboxMessage) bool { return m.Text == "hello bob" })
	if !own.FromMe || own.Chat.User != "15550101002" {
		t.Fatalf("own phone copy = %+v, want FromMe in chat 15550101002", own)
	}
	if n := sim.Undecryptable("15550101002"); n != 0 {
		t.Fatalf("%d undecryptable messages", n)
	}
}

func TestPhoneTextReachesInstance(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	_, _, rec := wasimtest.NewPairedClientRecorded(t, sim, "15550102001")
	if _, err := sim.RegisterPhone("15550102002", "Carol"); err != nil {
		t.Fatal(err)
	}
	alice := types.NewJID("15550102001", types.DefaultUserServer)
	for _, text := range []string{"hi from a phone", "and again"} {
		id, err := sim.PhoneSendText(testCtx(t), "15550102002", alice, text)
		if err != nil {
			t.Fatal(err)
		}
		evt := wasimtest.WaitForMatch(t, rec, func(e *events.Message) bool { return e.Info.ID == id })
		if textOf(evt) != text || evt.Info.Sender.User != "15550102002" || evt.Info.PushName != "Carol" || evt.Info.IsFromMe {
			t.Fatalf("event = %+v / %q, want %q from Carol", evt.Info, textOf(evt), text)
		}
		// The client's delivery receipt is recorded by the phone.
		waitReceipt(t, sim, "15550102002", id, "inactive")
	}
}

func TestConversationBothWays(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, rec := wasimtest.NewPairedClientRecorded(t, sim, "15550103001")
	dave, _ := sim.RegisterPhone("15550103002", "Dave")
	alice := types.NewJID("15550103001", types.DefaultUserServer)
	// Phone first (X3DH on the client's bundle), then the client answers on
	// the same session, then the phone again.
	id1, err := sim.PhoneSendText(testCtx(t), "15550103002", alice, "ping")
	if err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitForMatch(t, rec, func(e *events.Message) bool { return e.Info.ID == id1 && textOf(e) == "ping" })
	resp, err := cli.SendMessage(testCtx(t), dave, &waE2E.Message{Conversation: proto.String("pong")})
	if err != nil {
		t.Fatal(err)
	}
	waitInbox(t, sim, "15550103002", func(m wasim.InboxMessage) bool { return m.ID == resp.ID && m.Text == "pong" })
	id2, err := sim.PhoneSendText(testCtx(t), "15550103002", alice, "ping 2")
	if err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitForMatch(t, rec, func(e *events.Message) bool { return e.Info.ID == id2 && textOf(e) == "ping 2" })
	if n := sim.Undecryptable("15550103002"); n != 0 {
		t.Fatalf("%d undecryptable messages", n)
	}
}

func TestGroupMessagesBetweenPhonesAndInstances(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	alice, _, recA := wasimtest.NewPairedClientRecorded(t, sim, "15550104001")
	_, _, recE := wasimtest.NewPairedClientRecorded(t, sim, "15550104005")
	var phones []types.JID
	for _, p := range []string{"15550104002", "15550104003", "15550104004"} {
		jid, err := sim.RegisterPhone(p, "Phone "+p[len(p)-1:])
		if err != nil {
			t.Fatal(err)
		}
		phones = append(phones, jid)
	}
	eve := types.NewJID("15550104005", types.DefaultUserServer)
	info, err := alice.CreateGroup(testCtx(t), whatsmeow.ReqCreateGroup{Name: "Three phones, two instances", Participants: append(phones, eve)})
	if err != nil {
		t.Fatal(err)
	}
	group := info.JID

	// An instance sends: every member phone decrypts the skmsg with the
	// sender key it got pairwise; the other instance gets it too.
	resp, err := alice.SendMessage(testCtx(t), group, &waE2E.Message{Conversation: proto.String("hello group")})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range phones {
		got := waitInbox(t, sim, p.User, func(m wasim.InboxMessage) bool { return m.ID == resp.ID })
		if got.Text != "hello group" || got.Chat != group || got.Sender.User != "15550104001" {
			t.Fatalf("phone %s inbox = %+v", p.User, got)
		}
	}
	wasimtest.WaitForMatch(t, recE, func(e *events.Message) bool { return e.Info.ID == resp.ID && textOf(e) == "hello group" })
	// Each member phone's delivery receipt reaches the sender.
	for _, p := range phones {
		wasimtest.WaitForMatch(t, recA, func(r *events.Receipt) bool {
			return r.MessageIDs[0] == resp.ID && r.Chat == group && r.Sender.User == p.User
		})
	}
	// A second message rides on the same sender key (skmsg only).
	resp2, err := alice.SendMessage(testCtx(t), group, &waE2E.Message{Conversation: proto.String("second")})
	if err != nil {
		t.Fatal(err)
	}
	waitInbox(t, sim, phones[2].User, func(m wasim.InboxMessage) bool { return m.ID == resp2.ID && m.Text == "second" })

	// A phone sends: both instances decrypt it; the other phones get it.
	for i, text := range []string{"phone speaks", "phone again"} {
		id, err := sim.PhoneSendText(testCtx(t), phones[0].User, group, text)
		if err != nil {
			t.Fatal(err)
		}
		for _, rec := range []*wasimtest.Recorder{recA, recE} {
			evt := wasimtest.WaitForMatch(t, rec, func(e *events.Message) bool { return e.Info.ID == id && textOf(e) != "" })
			if textOf(evt) != text || evt.Info.Chat != group || evt.Info.Sender.User != phones[0].User {
				t.Fatalf("message %d: event %+v %q", i, evt.Info, textOf(evt))
			}
		}
		waitInbox(t, sim, phones[1].User, func(m wasim.InboxMessage) bool { return m.ID == id && m.Text == text })
	}
	for _, p := range phones {
		if n := sim.Undecryptable(p.User); n != 0 {
			t.Fatalf("phone %s: %d undecryptable", p.User, n)
		}
	}
}

// TestRetryReceiptRebuildsTheSession: a phone that cannot decrypt answers
// with a retry receipt carrying its keys; whatsmeow rebuilds the session
// from them and re-sends, and the phone reads the message.
func TestRetryReceiptRebuildsTheSession(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, rec := wasimtest.NewPairedClientRecorded(t, sim, "15550105001")
	lee, _ := sim.RegisterPhone("15550105002", "Lee")
	first, err := cli.SendMessage(testCtx(t), lee, &waE2E.Message{Conversation: proto.String("one")})
	if err != nil {
		t.Fatal(err)
	}
	waitInbox(t, sim, "15550105002", func(m wasim.InboxMessage) bool { return m.ID == first.ID })
	// A reply confirms the session, so the client's next message is a plain
	// msg (an initiator keeps sending pkmsg until it hears back, and a pkmsg
	// would rebuild the lost session by itself).
	reply, _ := sim.PhoneSendText(testCtx(t), "15550105002", types.NewJID("15550105001", types.DefaultUserServer), "two")
	wasimtest.WaitForMatch(t, rec, func(e *events.Message) bool { return e.Info.ID == reply })
	sim.AddFault(wasim.FaultRule{Phone: "15550105002", Match: "phone:undecryptable"})
	resp, err := cli.SendMessage(testCtx(t), lee, &waE2E.Message{Conversation: proto.String("lost then found")})
	if err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitForMatch(t, rec, func(r *events.Receipt) bool {
		return r.Type == types.ReceiptTypeRetry && r.MessageIDs[0] == resp.ID
	})
	got := waitInbox(t, sim, "15550105002", func(m wasim.InboxMessage) bool { return m.ID == resp.ID })
	if got.Text != "lost then found" {
		t.Fatalf("after the retry the phone read %q", got.Text)
	}
	if n := sim.Undecryptable("15550105002"); n != 1 {
		t.Fatalf("undecryptable = %d, want exactly the one fault", n)
	}
}

// TestPhoneAnswersRetryReceipts: a client that lost its session with a
// phone answers the phone's message with retry receipts; the phone re-sends
// (with a new session once the receipt carries keys) and the client reads it.
func TestPhoneAnswersRetryReceipts(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, rec := wasimtest.NewPairedClientRecorded(t, sim, "15550106001")
	sim.RegisterPhone("15550106002", "Yan")
	alice := types.NewJID("15550106001", types.DefaultUserServer)
	first, _ := sim.PhoneSendText(testCtx(t), "15550106002", alice, "hello")
	wasimtest.WaitForMatch(t, rec, func(e *events.Message) bool { return e.Info.ID == first })
	lid, _ := sim.LookupUser(types.NewJID("15550106002", types.DefaultUserServer))
	if err := cli.Store.Sessions.DeleteSession(testCtx(t), lid.SignalAddress().String()); err != nil {
		t.Fatal(err)
	}
	id, err := sim.PhoneSendText(testCtx(t), "15550106002", alice, "say again")
	if err != nil {
		t.Fatal(err)
	}
	wasimtest.WaitFor[*events.UndecryptableMessage](t, rec)
	evt := wasimtest.WaitForMatch(t, rec, func(e *events.Message) bool { return e.Info.ID == id })
	if textOf(evt) != "say again" {
		t.Fatalf("after the retry the client read %q", textOf(evt))
	}
}
