package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"testing"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
)

// TestChatRoutesOnStoredMessages: messages a phone sends are stored (getMessage, history,
// status), markRead makes the phone see a read receipt, an edit and a deletion for everyone
// reach the phone, and the media a phone sent comes back through base64 intact. SQLite and
// PostgreSQL.
func TestChatRoutesOnStoredMessages(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		s := newMessageScene(t, dsn)
		bob := s.user("Bob")
		chat := bob + "@s.whatsapp.net"

		out := s.sent("text", map[string]any{"number": bob, "message": "see you at 5", "source": "crm"})
		outID := out.Str("messageId")
		s.inbox(bob, outID)
		in := s.phoneSends(bob, "ok!")
		got := s.stored(in)
		if got.Str("data.content") != "ok!" || got.Get("data.fromMe") != false || got.Str("data.from") != chat || got.Str("data.chat") != chat {
			t.Fatalf("incoming stored copy: %s", got.Raw)
		}
		if s.stored(outID).Str("data.source") != "crm" {
			t.Fatalf("source not stored")
		}

		hist := s.e.Do("POST", "/api/chat/history/sender", s.acc, map[string]any{"number": bob}).Want(http.StatusOK)
		if ids := []string{hist.Str("messages.0.messageId"), hist.Str("messages.1.messageId")}; ids[0] != in || ids[1] != outID || hist.Get("count") != float64(2) || hist.Str("chat_jid") != chat {
			t.Fatalf("history (newest first): %s", hist.Raw)
		}
		page := s.e.Do("POST", "/api/chat/history/sender", s.acc, map[string]any{"number": bob, "count": 1}).Want(http.StatusOK)
		if page.Get("hasMore") != true || page.Str("messages.0.messageId") != in {
			t.Fatalf("first page of one: %s", page.Raw)
		}
		s.e.Do("POST", "/api/chat/history/sender", s.acc, map[string]any{"number": bob, "from": "yesterday"}).
			WantError(http.StatusBadRequest, "invalid 'from' date format. Use ISO 8601 format (e.g., '2026-02-16T18:32:39Z')")

		s.e.Do("POST", "/api/chat/markRead/sender", s.acc, map[string]any{"number": bob, "messageId": in}).Want(http.StatusOK)
		s.receipt(bob, in, "read")

		edit := s.e.Do("POST", "/api/chat/edit/sender", s.acc, map[string]any{"messageId": outID, "content": "see you at 6"}).Want(http.StatusOK)
		if edit.Str("oldContent") != "see you at 5" || edit.Str("newContent") != "see you at 6" {
			t.Fatalf("edit answer: %s", edit.Raw)
		}
		s.waitFor("the phone sees the edit", func() bool {
			return s.count(bob, func(m wasim.InboxMessage) bool { return m.Type == "edit" && m.Text == "see you at 6" }) == 1
		})
		if st := s.stored(outID); st.Str("data.content") != "see you at 6" || st.Get("data.edited") != true {
			t.Fatalf("edited copy: %s", st.Raw)
		}
		s.e.Do("POST", "/api/chat/edit/sender", s.acc, map[string]any{"messageId": in, "content": "x"}).
			WantError(http.StatusBadRequest, "can only edit text messages sent by this instance")

		// Deleting only for this account is app state: TestChatLabelsAndActionsReachThePhone.
		del := s.e.Do("DELETE", "/api/chat/delete/sender", s.acc, map[string]any{"messageId": outID, "deleteForEveryone": true}).Want(http.StatusOK)
		if del.Str("delete_type") != "revoke" {
			t.Fatalf("delete answer: %s", del.Raw)
		}
		s.waitFor("the phone sees the deletion", func() bool {
			return s.count(bob, func(m wasim.InboxMessage) bool {
				return m.Type == "revoke" && m.Message.GetProtocolMessage().GetKey().GetID() == outID
			}) == 1
		})
		if st := s.stored(outID); st.Get("data.deleted") != true {
			t.Fatalf("deleted copy: %s", st.Raw)
		}

		st := s.e.Do("GET", "/api/chat/status/sender?messageId="+in, s.acc, nil).Want(http.StatusOK)
		if st.Str("direction") != "received" || st.Str("chat_jid") != chat {
			t.Fatalf("status: %s", st.Raw)
		}
		s.e.Do("GET", "/api/chat/getMessage/sender?messageId=NOPE", s.acc, nil).WantError(http.StatusNotFound, "Message not found")
		s.e.Do("GET", "/api/chat/getMessage/sender", s.acc, nil).WantError(http.StatusBadRequest, "Message ID is required (use ?messageId=<message-id>)")

		// Media a phone sent: the store keeps the keys, base64 downloads and decrypts it.
		photo := []byte("\x89PNG\r\n\x1a\n" + string(make([]byte, 500)))
		ctx, cancel := context.WithTimeout(context.Background(), apptest.Timeout)
		defer cancel()
		mid, err := s.e.App.Sim().PhoneSendMedia(ctx, bob, types.NewJID(s.phone, types.DefaultUserServer), wasim.PhoneMedia{Kind: "image", Data: photo, Mimetype: "image/png", Caption: "look"})
		if err != nil {
			t.Fatal(err)
		}
		if m := s.stored(mid); m.Str("data.type") != "image" || m.Str("data.content") != "look" || m.Str("data.media.mimeType") != "image/png" {
			t.Fatalf("stored image: %s", m.Raw)
		}
		b64 := s.e.Do("GET", "/api/chat/base64/sender?messageId="+mid, s.acc, nil).Want(http.StatusOK)
		raw, _ := base64.StdEncoding.DecodeString(b64.Str("base64"))
		if sha256.Sum256(raw) != sha256.Sum256(photo) || b64.Str("mime_type") != "image/png" {
			t.Fatalf("base64 gave %d bytes, want the phone's %d", len(raw), len(photo))
		}
		s.e.Do("GET", "/api/chat/base64/sender?messageId="+in, s.acc, nil).WantError(http.StatusNotFound, "Message not found or no media available")
	})
}
