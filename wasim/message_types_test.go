package wasim_test

import (
	"crypto/sha256"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// TestInstanceMessageTypesReachPhone: each content type whatsmeow builds is
// decrypted by the phone to the same content.
func TestInstanceMessageTypesReachPhone(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, _ := wasimtest.NewPairedClientRecorded(t, sim, "15550701001")
	mia, _ := sim.RegisterPhone("15550701002", "Mia")
	first, err := cli.SendMessage(testCtx(t), mia, &waE2E.Message{Conversation: proto.String("original")})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		msg      *waE2E.Message
		typ      string
		text     string
		validate func(m *waE2E.Message) bool
	}{
		{&waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("quoting @15550701002"),
			ContextInfo: &waE2E.ContextInfo{StanzaID: proto.String(first.ID), Participant: proto.String(cli.Store.ID.ToNonAD().String()),
				MentionedJID: []string{mia.String()}}}}, "text", "quoting @15550701002",
			func(m *waE2E.Message) bool {
				ci := m.GetExtendedTextMessage().GetContextInfo()
				return ci.GetStanzaID() == first.ID && len(ci.GetMentionedJID()) == 1
			}},
		{&waE2E.Message{LocationMessage: &waE2E.LocationMessage{DegreesLatitude: proto.Float64(52.5), DegreesLongitude: proto.Float64(13.4), Name: proto.String("Berlin")}},
			"location", "Berlin", func(m *waE2E.Message) bool { return m.GetLocationMessage().GetDegreesLatitude() == 52.5 }},
		{&waE2E.Message{ContactMessage: &waE2E.ContactMessage{DisplayName: proto.String("Ned"), Vcard: proto.String("BEGIN:VCARD\nFN:Ned\nTEL:+15550000000\nEND:VCARD")}},
			"contact", "Ned", func(m *waE2E.Message) bool { return m.GetContactMessage().GetVcard() != "" }},
		{cli.BuildReaction(mia, *cli.Store.ID, first.ID, "👍"), "reaction", "👍",
			func(m *waE2E.Message) bool { return m.GetReactionMessage().GetKey().GetID() == first.ID }},
		{cli.BuildPollCreation("Lunch?", []string{"pizza", "sushi"}, 1), "poll", "Lunch?",
			func(m *waE2E.Message) bool {
				return len(m.GetPollCreationMessage().GetOptions())+len(m.GetPollCreationMessageV3().GetOptions()) == 2
			}},
		{cli.BuildEdit(mia, first.ID, &waE2E.Message{Conversation: proto.String("edited")}), "edit", "edited", nil},
		{cli.BuildRevoke(mia, types.EmptyJID, first.ID), "revoke", "",
			func(m *waE2E.Message) bool { return m.GetProtocolMessage().GetKey().GetID() == first.ID }},
	}
	for _, c := range cases {
		resp, err := cli.SendMessage(testCtx(t), mia, c.msg)
		if err != nil {
			t.Fatalf("%s: %v", c.typ, err)
		}
		got := waitInbox(t, sim, "15550701002", func(m wasim.InboxMessage) bool { return m.ID == resp.ID })
		if got.Type != c.typ || got.Text != c.text || (c.validate != nil && !c.validate(got.Message)) {
			t.Fatalf("%s: inbox entry %+v (message %v)", c.typ, got, got.Message)
		}
	}
}

// TestPhoneMessageTypesReachInstance: each content type a phone sends
// arrives as events.Message with the same content.
func TestPhoneMessageTypesReachInstance(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	_, _, rec := wasimtest.NewPairedClientRecorded(t, sim, "15550702001")
	sim.RegisterPhone("15550702002", "Noa")
	alice := types.NewJID("15550702001", types.DefaultUserServer)
	noa := types.NewJID("15550702002", types.DefaultUserServer)
	orig, _ := sim.PhoneSendText(testCtx(t), "15550702002", alice, "original")
	wasimtest.WaitForMatch(t, rec, func(e *events.Message) bool { return e.Info.ID == orig })
	ownKey := &waCommon.MessageKey{RemoteJID: proto.String(alice.String()), FromMe: proto.Bool(true), ID: proto.String(orig)}
	cases := []struct {
		name  string
		msg   *waE2E.Message
		check func(e *events.Message) bool
	}{
		{"quote+mention", &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{Text: proto.String("hey @15550702001"),
			ContextInfo: &waE2E.ContextInfo{StanzaID: proto.String(orig), Participant: proto.String(noa.String()), MentionedJID: []string{alice.String()}}}},
			func(e *events.Message) bool {
				ci := e.Message.GetExtendedTextMessage().GetContextInfo()
				return ci.GetStanzaID() == orig && ci.GetMentionedJID()[0] == alice.String()
			}},
		{"location", &waE2E.Message{LocationMessage: &waE2E.LocationMessage{DegreesLatitude: proto.Float64(-23.5), DegreesLongitude: proto.Float64(-46.6), Name: proto.String("SP")}},
			func(e *events.Message) bool { return e.Message.GetLocationMessage().GetName() == "SP" }},
		{"contact", &waE2E.Message{ContactMessage: &waE2E.ContactMessage{DisplayName: proto.String("Ola"), Vcard: proto.String("BEGIN:VCARD\nFN:Ola\nEND:VCARD")}},
			func(e *events.Message) bool { return e.Message.GetContactMessage().GetDisplayName() == "Ola" }},
		{"reaction", &waE2E.Message{ReactionMessage: &waE2E.ReactionMessage{Key: &waCommon.MessageKey{RemoteJID: proto.String(noa.String()), FromMe: proto.Bool(false), ID: proto.String(orig)},
			Text: proto.String("❤️"), SenderTimestampMS: proto.Int64(time.Now().UnixMilli())}},
			func(e *events.Message) bool { return e.Message.GetReactionMessage().GetText() == "❤️" }},
		{"edit", &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{Type: waE2E.ProtocolMessage_MESSAGE_EDIT.Enum(), Key: ownKey,
			EditedMessage: &waE2E.Message{Conversation: proto.String("original, edited")}, TimestampMS: proto.Int64(time.Now().UnixMilli())}},
			func(e *events.Message) bool {
				return e.Message.GetProtocolMessage().GetEditedMessage().GetConversation() == "original, edited"
			}},
		{"revoke", &waE2E.Message{ProtocolMessage: &waE2E.ProtocolMessage{Type: waE2E.ProtocolMessage_REVOKE.Enum(), Key: ownKey}},
			func(e *events.Message) bool {
				return e.Message.GetProtocolMessage().GetType() == waE2E.ProtocolMessage_REVOKE && e.Message.GetProtocolMessage().GetKey().GetID() == orig
			}},
	}
	for _, c := range cases {
		id, err := sim.PhoneSend(testCtx(t), "15550702002", alice, c.msg)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		evt := wasimtest.WaitForMatch(t, rec, func(e *events.Message) bool { return e.Info.ID == id })
		if !c.check(evt) {
			t.Fatalf("%s: event message %v", c.name, evt.Message)
		}
	}
}

// TestPollVotesBothWays: a phone votes in a client's poll (the client's
// DecryptPollVote reads it) and a client votes in a phone's poll (the
// phone's inbox shows the chosen option).
func TestPollVotesBothWays(t *testing.T) {
	t.Parallel()
	sim := wasimtest.NewServer(t, wasim.Config{})
	cli, _, rec := wasimtest.NewPairedClientRecorded(t, sim, "15550703001")
	oz, _ := sim.RegisterPhone("15550703002", "Oz")
	alice := types.NewJID("15550703001", types.DefaultUserServer)

	poll, err := cli.SendMessage(testCtx(t), oz, cli.BuildPollCreation("Tea or coffee?", []string{"tea", "coffee"}, 1))
	if err != nil {
		t.Fatal(err)
	}
	waitInbox(t, sim, "15550703002", func(m wasim.InboxMessage) bool { return m.ID == poll.ID })
	voteID, err := sim.PhoneVote(testCtx(t), "15550703002", alice, poll.ID, []string{"coffee"})
	if err != nil {
		t.Fatal(err)
	}
	evt := wasimtest.WaitForMatch(t, rec, func(e *events.Message) bool { return e.Info.ID == voteID })
	vote, err := cli.DecryptPollVote(testCtx(t), evt)
	if err != nil {
		t.Fatalf("DecryptPollVote: %v", err)
	}
	if want := sha256.Sum256([]byte("coffee")); len(vote.GetSelectedOptions()) != 1 || string(vote.GetSelectedOptions()[0]) != string(want[:]) {
		t.Fatalf("vote = %x", vote.GetSelectedOptions())
	}

	phonePoll, err := sim.PhoneSendPoll(testCtx(t), "15550703002", alice, "Lunch?", []string{"pizza", "sushi"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	pollEvt := wasimtest.WaitForMatch(t, rec, func(e *events.Message) bool { return e.Info.ID == phonePoll })
	voteMsg, err := cli.BuildPollVote(testCtx(t), &pollEvt.Info, []string{"sushi"})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := cli.SendMessage(testCtx(t), oz, voteMsg)
	if err != nil {
		t.Fatal(err)
	}
	got := waitInbox(t, sim, "15550703002", func(m wasim.InboxMessage) bool { return m.ID == resp.ID })
	if got.Type != "poll_vote" || len(got.PollVote) != 1 || got.PollVote[0] != "sushi" {
		t.Fatalf("phone read vote %+v", got)
	}
}
