package e2e

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
)

// TestEventMessageExchange: every kind of message a contact's phone sends reaches the receiver
// as an incoming message.exchange whose data says what the phone sent (text, media by SHA-256,
// location, contact, reaction, poll, edit, revocation); a message sent through the API is an
// outgoing event with its source tag; one the account's own phone sends to a contact is an
// outgoing event from the phone (fromMe, source "whatsapp"); a vote on the API's poll arrives
// decrypted, with the option names.
func TestEventMessageExchange(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		s := newEventScene(t, dsn, []string{"message.exchange"})
		own := s.ownJID().String()
		contact := s.phone + "@s.whatsapp.net"

		id := s.phoneSends(s.phone, wasim.PhoneMessage{To: own, Text: "hello from the phone"})
		m := s.waitMessage(id)
		if m.Direction != "incoming" || m.FromMe || m.Type != "text" || m.Content == nil || m.Content.Text != "hello from the phone" ||
			m.Sender.JID != contact || m.Chat.JID != contact || m.Chat.Type != "private" || m.Sender.Name != "Ana Contact" || m.Source != "whatsapp" {
			t.Fatalf("incoming text event: %+v", m)
		}

		reply := s.phoneSends(s.phone, wasim.PhoneMessage{To: own, Text: "a reply", QuoteID: id})
		if m := s.waitMessage(reply); m.ReplyTo == nil || m.ReplyTo.MessageID != id {
			t.Fatalf("quoting reply: %+v", m)
		}

		file := make([]byte, 4096)
		_, _ = rand.Read(file)
		sum := sha256.Sum256(file)
		img := s.phoneSends(s.phone, wasim.PhoneMessage{To: own, Type: "image", Text: "a caption",
			Media: &wasim.PhoneMessageFile{Base64: base64.StdEncoding.EncodeToString(file), Mimetype: "image/jpeg"}})
		if m := s.waitMessage(img); m.Type != "image" || m.Media == nil || m.Media.Type != "image" || m.Media.Mimetype != "image/jpeg" ||
			m.Media.SHA256 != hex.EncodeToString(sum[:]) || m.Media.Size != uint64(len(file)) || m.Content == nil || m.Content.Text != "a caption" {
			t.Fatalf("incoming image event: %+v media %+v", m, m.Media)
		}
		voice := s.phoneSends(s.phone, wasim.PhoneMessage{To: own, Type: "voice",
			Media: &wasim.PhoneMessageFile{Base64: base64.StdEncoding.EncodeToString(file[:1000]), Mimetype: "audio/ogg; codecs=opus"}})
		if m := s.waitMessage(voice); m.Type != "audio" || m.Media == nil || m.Media.Type != "ptt" {
			t.Fatalf("incoming voice note event: %+v", m)
		}

		loc := s.phoneSends(s.phone, wasim.PhoneMessage{To: own, Type: "location", Location: &wasim.PhoneLocation{Latitude: -23.5505, Longitude: -46.6333, Name: "Sé"}})
		if m := s.waitMessage(loc); m.Type != "location" || m.Content.Location == nil || m.Content.Location.Latitude != -23.5505 ||
			m.Content.Location.Longitude != -46.6333 || m.Content.Location.Name != "Sé" {
			t.Fatalf("location event: %+v", m)
		}
		card := s.phoneSends(s.phone, wasim.PhoneMessage{To: own, Type: "contact", Contact: &wasim.PhoneContact{Name: "Bob", Phone: "5511988887777"}})
		if m := s.waitMessage(card); m.Type != "contact" || len(m.Content.Contacts) != 1 || m.Content.Contacts[0].DisplayName != "Bob" ||
			!strings.Contains(m.Content.Contacts[0].VCard, "5511988887777") {
			t.Fatalf("contact event: %+v", m)
		}
		react := s.phoneSends(s.phone, wasim.PhoneMessage{To: own, Type: "reaction", Reaction: &wasim.PhoneReaction{MessageID: id, Emoji: "👍"}})
		if m := s.waitMessage(react); m.Type != "reaction" || m.Content.Reaction == nil || m.Content.Reaction.MessageID != id || m.Content.Reaction.Emoji != "👍" {
			t.Fatalf("reaction event: %+v", m)
		}
		poll := s.phoneSends(s.phone, wasim.PhoneMessage{To: own, Type: "poll", Poll: &wasim.PhonePoll{Name: "Lunch?", Options: []string{"Pizza", "Sushi"}, SelectableCount: 1}})
		if m := s.waitMessage(poll); m.Type != "poll" || m.Content.Poll == nil || m.Content.Poll.Name != "Lunch?" ||
			strings.Join(m.Content.Poll.Options, ",") != "Pizza,Sushi" || m.Content.Poll.SelectableCount != 1 {
			t.Fatalf("poll event: %+v", m)
		}
		edit := s.phoneSends(s.phone, wasim.PhoneMessage{To: own, Type: "edit", TargetID: id, Text: "hello, edited"})
		if m := s.waitMessage(edit); m.Type != switchboard.EventMessageEdit || !m.IsEdit || m.Edit == nil || m.Edit.MessageID != id || m.Edit.Text != "hello, edited" {
			t.Fatalf("edit event: %+v", m)
		}
		revoke := s.phoneSends(s.phone, wasim.PhoneMessage{To: own, Type: "revoke", TargetID: reply})
		if m := s.waitMessage(revoke); m.Type != switchboard.EventMessageRevoke || m.Revoke == nil || m.Revoke.MessageID != reply {
			t.Fatalf("revoke event: %+v", m)
		}

		// Sent through the API: outgoing, with the source tag.
		res := s.e.Do("POST", "/api/message/text/shop", s.acc, map[string]any{"number": s.phone, "message": "from the API", "source": "crm"}).Want(http.StatusOK)
		if m := s.waitMessage(res.Str("messageId")); m.Direction != "outgoing" || !m.FromMe || m.Source != "crm" || m.Content.Text != "from the API" ||
			m.Chat.JID != contact || m.Sender.JID != own {
			t.Fatalf("outgoing API event: %+v", m)
		}
		// A poll sent through the API and voted on by the contact: the vote is decrypted.
		pollRes := s.e.Do("POST", "/api/message/poll/shop", s.acc, map[string]any{"number": s.phone, "question": "Color?", "options": []string{"Red", "Blue", "Green"}}).Want(http.StatusOK)
		pollID := pollRes.Str("messageId")
		s.waitMessage(pollID)
		vote := s.phoneSends(s.phone, wasim.PhoneMessage{To: own, Type: "vote", TargetID: pollID, Options: []string{"Blue"}})
		if m := s.waitMessage(vote); m.Type != switchboard.EventPollVoteType || m.Content.PollVote == nil || m.Content.PollVote.PollID != pollID ||
			strings.Join(m.Content.PollVote.Options, ",") != "Blue" || len(m.Content.PollVote.OptionHashes) != 1 || m.Content.PollVote.Undecrypted {
			t.Fatalf("poll vote event: %+v %+v", m, m.Content.PollVote)
		}

		// Sent from the account's own phone: reported as outgoing, from the phone.
		mine := s.phoneSends(s.own, wasim.PhoneMessage{To: s.phone, Text: "typed on the phone"})
		if m := s.waitMessage(mine); m.Direction != "outgoing" || !m.FromMe || m.Source != "whatsapp" || m.Content.Text != "typed on the phone" || m.Chat.JID != contact {
			t.Fatalf("own phone's message event: %+v", m)
		}
		wantVerifiedInOrder(t, s.rcv)
	})
}
