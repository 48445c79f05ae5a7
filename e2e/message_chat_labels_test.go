package e2e

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
)

// appStateIndex waits until the phone's decoded app state has an entry whose index is exactly
// index and that ok accepts.
func (s *messageScene) appStateIndex(ok func(wasim.AppStateEntry) bool, index ...string) wasim.AppStateEntry {
	s.t.Helper()
	var found wasim.AppStateEntry
	s.waitFor("the phone's app state has "+fmtIndex(index), func() bool {
		entries, err := s.e.App.Sim().PhoneAppState(s.phone)
		if err != nil {
			s.t.Fatal(err)
		}
		for _, e := range entries {
			if slices.Equal(e.Index, index) && ok(e) {
				found = e
				return true
			}
		}
		return false
	})
	return found
}

func fmtIndex(index []string) string {
	out := "["
	for i, p := range index {
		if i > 0 {
			out += " "
		}
		out += p
	}
	return out + "]"
}

// TestChatLabelsAndActionsReachThePhone: tags created, assigned, unassigned and deleted through
// the API are labels in the phone's app state; a label the phone makes and assigns shows in the
// tag list and contactsByLabel; favorite (message and chat), delete-for-me and deleteChat are
// app-state actions the phone decodes. On SQLite and PostgreSQL (the label store).
func TestChatLabelsAndActionsReachThePhone(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		s := newMessageScene(t, dsn)
		bob, carol := s.user("Bob"), s.user("Carol")
		bobJID, carolJID := bob+"@s.whatsapp.net", carol+"@s.whatsapp.net"
		do := func(method, path string, body any) map[string]any {
			t.Helper()
			return s.e.Do(method, "/api/chat/"+path, s.acc, body).Want(http.StatusOK).Body
		}

		created := do("POST", "tag/sender", map[string]any{"name": "  VIP ", "color": 5})
		tag, _ := created["tag"].(map[string]any)
		if tag["id"] != "1" || tag["name"] != "VIP" || tag["color"] != float64(5) || tag["type"] != "CUSTOM" || created["message"] != "Tag created successfully" {
			t.Fatalf("create answer %v", created)
		}
		s.appStateIndex(func(e wasim.AppStateEntry) bool {
			a := e.Action.GetLabelEditAction()
			return a.GetName() == "VIP" && a.GetColor() == 5 && !a.GetDeleted()
		}, "label_edit", "1")
		if c := do("POST", "tag/sender", map[string]any{"name": "Odd", "color": 42})["tag"].(map[string]any); c["id"] != "2" || c["color"] != float64(0) {
			t.Fatalf("second tag %v: want id 2 and an out-of-palette color as 0", c)
		}
		s.e.Do("POST", "/api/chat/tag/sender", s.acc, map[string]any{"name": "   "}).WantError(http.StatusBadRequest, "Tag name is required")

		if got := do("POST", "assignTag/sender", map[string]any{"number": bob, "tagId": "1"}); got["tag_id"] != "1" || got["message"] != "Tag assigned successfully" {
			t.Fatalf("assign answer %v", got)
		}
		s.appStateIndex(func(e wasim.AppStateEntry) bool { return e.Action.GetLabelAssociationAction().GetLabeled() }, "label_jid", "1", bobJID)
		s.e.Do("POST", "/api/chat/assignTag/sender", s.acc, map[string]any{"number": bob}).WantError(http.StatusBadRequest, "tagId is required")
		s.e.Do("POST", "/api/chat/assignTag/sender", s.acc, map[string]any{"number": bob, "tagId": "77"}).WantError(http.StatusNotFound, "Tag not found")

		// A label made and assigned on the phone reaches the instance through app state.
		ctx := context.Background()
		if err := s.e.App.Sim().PhoneWriteAppState(ctx, s.phone, appstate.BuildLabelEdit("9", "Support", 1, false)); err != nil {
			t.Fatal(err)
		}
		if err := s.e.App.Sim().PhoneWriteAppState(ctx, s.phone, appstate.BuildLabelChat(types.NewJID(carol, types.DefaultUserServer), "9", true)); err != nil {
			t.Fatal(err)
		}
		var byLabel map[string]any
		s.waitFor("the phone's label and its chat are listed", func() bool {
			byLabel = do("GET", "contactsByLabel/sender?labelNames=support", nil)
			return byLabel["total_chats"] == float64(1)
		})
		chats := byLabel["chats"].([]any)
		if first := chats[0].(map[string]any); first["chat_jid"] != carolJID || byLabel["filter_label_ids"].([]any)[0] != "9" {
			t.Fatalf("contactsByLabel answer %v", byLabel)
		}
		if all := do("GET", "contactsByLabel/sender?refresh=true", nil); all["total_chats"] != float64(2) || all["total_rows"] != float64(2) || all["refreshed"] != true {
			t.Fatalf("contactsByLabel without filter %v", all)
		}
		if list := do("GET", "tag/sender", nil); list["total"] != float64(3) {
			t.Fatalf("tag list %v: want the API's two and the phone's one", list)
		}

		if got := do("DELETE", "assignTag/sender?number="+bob+"&tagId=1", nil); got["message"] != "Tag removed successfully" {
			t.Fatalf("unassign answer %v", got)
		}
		s.appStateIndex(func(e wasim.AppStateEntry) bool { return !e.Action.GetLabelAssociationAction().GetLabeled() }, "label_jid", "1", bobJID)
		s.e.Do("DELETE", "/api/chat/assignTag/sender?tagId=1", s.acc, nil).WantError(http.StatusBadRequest, "number query parameter is required")

		if got := do("DELETE", "tag/sender?tagId=2", nil); got["tag"].(map[string]any)["deleted"] != true || got["message"] != "Tag deleted successfully" {
			t.Fatalf("delete answer %v", got)
		}
		s.appStateIndex(func(e wasim.AppStateEntry) bool { return e.Action.GetLabelEditAction().GetDeleted() }, "label_edit", "2")
		if list := do("GET", "tag/sender", nil); list["total"] != float64(2) {
			t.Fatalf("tag list after a deletion %v: want the two left", list)
		}
		s.e.Do("DELETE", "/api/chat/tag/sender?tagId=404", s.acc, nil).WantError(http.StatusNotFound, "Tag not found")
		s.e.Do("DELETE", "/api/chat/tag/sender", s.acc, nil).WantError(http.StatusBadRequest, "tagId query parameter is required")

		// Favorites: a message (starred) and a chat (WhatsApp's Favorites list).
		incoming := s.phoneSends(bob, "keep this")
		s.stored(incoming)
		if got := do("POST", "favorite/sender", map[string]any{"messageId": incoming, "number": carol}); got["type"] != "message" || got["message_id"] != incoming || got["chat_jid"] != bobJID || got["favorite"] != true {
			t.Fatalf("favorite message answer %v", got)
		}
		s.appStateIndex(func(e wasim.AppStateEntry) bool { return e.Action.GetStarAction().GetStarred() }, "star", bobJID, incoming, "0", "0")
		if got := do("POST", "favorite/sender", map[string]any{"number": carol}); got["type"] != "chat" || got["chat_jid"] != carolJID {
			t.Fatalf("favorite chat answer %v", got)
		}
		s.appStateIndex(func(e wasim.AppStateEntry) bool {
			f := e.Action.GetFavoritesAction().GetFavorites()
			return len(f) == 1 && f[0].GetID() == carolJID
		}, "favorites")
		s.e.Do("POST", "/api/chat/favorite/sender", s.acc, map[string]any{"favorite": true}).WantError(http.StatusBadRequest, "Either number or messageId is required")
		s.e.Do("POST", "/api/chat/favorite/sender", s.acc, map[string]any{"messageId": "NOPE"}).WantError(http.StatusNotFound, "Message not found")

		// Delete for me, then the whole chat.
		if got := do("DELETE", "delete/sender", map[string]any{"messageId": incoming}); got["delete_type"] != "delete_for_me" {
			t.Fatalf("delete for me answer %v", got)
		}
		s.appStateIndex(func(e wasim.AppStateEntry) bool { return e.Action.GetDeleteMessageForMeAction() != nil }, "deleteMessageForMe", bobJID, incoming, "0", "0")
		if got := do("DELETE", "deleteChat/sender", map[string]any{"number": carol, "deleteMedia": true}); got["message"] != "Chat deleted successfully (including media)" || got["delete_media"] != true || got["chat_jid"] != carolJID {
			t.Fatalf("deleteChat answer %v", got)
		}
		s.appStateIndex(func(e wasim.AppStateEntry) bool { return e.Action.GetDeleteChatAction() != nil }, "deleteChat", carolJID, "1")
		s.e.Do("DELETE", "/api/chat/deleteChat/sender", s.acc, map[string]any{}).WantError(http.StatusBadRequest, "Number is required")
	})
}
