package store_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestMessageStore saves, reads back, replaces, pages, raises status and purges messages, on
// both engines.
func TestMessageStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acc, _ := newAccount(t, s, "acme", 0)
		inst, _ := newInstance(t, s, acc.ID, "sales")
		other, _ := newInstance(t, s, acc.ID, "other")
		chat := switchboard.JID{User: "5511999990002", Server: switchboard.ServerUser}
		base := time.Now().Add(-time.Hour).Truncate(time.Second)
		for i, id := range []string{"A", "B", "C"} {
			m := &switchboard.StoredMessage{InstanceID: inst.ID, ID: id, Chat: chat, Sender: chat, Timestamp: base.Add(time.Duration((i+1)/2) * time.Second),
				Type: switchboard.MessageText, Content: "m" + id, Source: "api", Status: switchboard.StatusServerAck}
			must(t, "SaveMessage", s.SaveMessage(ctx(t), m))
		}
		media := &switchboard.MediaRef{Type: switchboard.MessageImage, DirectPath: "/v/x", MediaKey: []byte{1, 2}, FileLength: 9, Mimetype: "image/png"}
		must(t, "SaveMessage media", s.SaveMessage(ctx(t), &switchboard.StoredMessage{InstanceID: inst.ID, ID: "M", Chat: chat, Sender: chat, FromMe: true,
			Timestamp: base.Add(10 * time.Second), Type: switchboard.MessageImage, Source: "crm", Media: media, PollSecret: []byte{7}, Payload: []byte(`{"a":1}`)}))

		got, err := s.Message(ctx(t), inst.ID, "M")
		must(t, "Message", err)
		if got.Media == nil || got.Media.DirectPath != "/v/x" || !bytes.Equal(got.Media.MediaKey, []byte{1, 2}) || !got.FromMe || got.Source != "crm" ||
			!bytes.Equal(got.PollSecret, []byte{7}) || string(got.Payload) != `{"a":1}` || got.Chat != chat || !got.Timestamp.Equal(base.Add(10*time.Second)) {
			t.Fatalf("read back %+v", got)
		}
		_, err = s.Message(ctx(t), other.ID, "M")
		wantIs(t, "another instance's message", err, switchboard.ErrNotFound)

		// B and C share a second: they list in insertion order, newest first.
		page, err := s.ChatHistory(ctx(t), inst.ID, chat, time.Time{}, 3)
		must(t, "ChatHistory", err)
		if ids := idsOf(page); ids != "M,C,B" {
			t.Fatalf("history %s, want M,C,B", ids)
		}
		page, err = s.ChatHistory(ctx(t), inst.ID, chat, base.Add(time.Second), 10)
		must(t, "ChatHistory before", err)
		if ids := idsOf(page); ids != "A" {
			t.Fatalf("history before %v: %s, want A", base.Add(time.Second), ids)
		}

		must(t, "status read", s.UpdateMessageStatus(ctx(t), inst.ID, []string{"A", "B"}, switchboard.StatusRead))
		must(t, "status delivered late", s.UpdateMessageStatus(ctx(t), inst.ID, []string{"A"}, switchboard.StatusDelivered))
		a, _ := s.Message(ctx(t), inst.ID, "A")
		if a.Status != switchboard.StatusRead {
			t.Fatalf("status %d after read then delivered, want read (never lowered)", a.Status)
		}
		// A later copy of the same message (our own phone's sync) keeps the higher status.
		must(t, "SaveMessage again", s.SaveMessage(ctx(t), &switchboard.StoredMessage{InstanceID: inst.ID, ID: "A", Chat: chat, Sender: chat,
			Timestamp: base, Type: switchboard.MessageText, Content: "mA", Status: switchboard.StatusDelivered}))
		if a, _ = s.Message(ctx(t), inst.ID, "A"); a.Status != switchboard.StatusRead {
			t.Fatalf("status %d after a replacement, want read", a.Status)
		}
		must(t, "edit", s.MarkMessage(ctx(t), inst.ID, "B", true, "new text", false))
		must(t, "revoke", s.MarkMessage(ctx(t), inst.ID, "C", false, "", true))
		b, _ := s.Message(ctx(t), inst.ID, "B")
		c, _ := s.Message(ctx(t), inst.ID, "C")
		if !b.Edited || b.Content != "new text" || !c.Revoked {
			t.Fatalf("edit/revoke: %+v %+v", b, c)
		}

		n, err := s.PurgeMessages(ctx(t), base.Add(5*time.Second))
		must(t, "PurgeMessages", err)
		if n != 3 {
			t.Fatalf("purged %d, want the 3 older than the cut-off", n)
		}
		if page, _ = s.ChatHistory(ctx(t), inst.ID, chat, time.Time{}, 10); idsOf(page) != "M" {
			t.Fatalf("after purge: %s", idsOf(page))
		}
	})
}

func idsOf(ms []*switchboard.StoredMessage) string {
	var b bytes.Buffer
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(m.ID)
	}
	return b.String()
}
