package e2e

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
)

// appStateEntry waits until the phone's decoded app state has an entry whose index is
// [kind, chat] and returns it.
func (s *messageScene) appStateEntry(kind, chat string, ok func(wasim.AppStateEntry) bool) wasim.AppStateEntry {
	s.t.Helper()
	var found wasim.AppStateEntry
	s.waitFor("the phone's app state has "+kind+" "+chat, func() bool {
		entries, err := s.e.App.Sim().PhoneAppState(s.phone)
		if err != nil {
			s.t.Fatal(err)
		}
		for _, e := range entries {
			if len(e.Index) == 2 && e.Index[0] == kind && e.Index[1] == chat && ok(e) {
				found = e
				return true
			}
		}
		return false
	})
	return found
}

// TestChatSettingsReachThePhone: archive, pin (both spellings), mute and mark-read are written
// as app state that the instance's own phone decodes; block lands in WhatsApp's blocklist;
// presence reaches WhatsApp as a chat state.
func TestChatSettingsReachThePhone(t *testing.T) {
	s := newMessageScene(t, storetest.SQLiteDSN(t))
	bob, carol := s.user("Bob"), s.user("Carol")
	bobJID, carolJID := bob+"@s.whatsapp.net", carol+"@s.whatsapp.net"
	do := func(route string, body any) map[string]any {
		t.Helper()
		return s.e.Do("POST", "/api/chat/"+route+"/sender", s.acc, body).Want(http.StatusOK).Body
	}

	if got := do("archive", map[string]any{"number": bob, "archive": true}); got["archived"] != true || got["chat_jid"] != bobJID {
		t.Fatalf("archive answer %v", got)
	}
	s.appStateEntry("archive", bobJID, func(e wasim.AppStateEntry) bool { return e.Action.GetArchiveChatAction().GetArchived() })

	if got := do("pin", map[string]any{"number": carol, "pin": true}); got["message"] != "Chat pinned successfully" {
		t.Fatalf("pin answer %v", got)
	}
	s.appStateEntry("pin_v1", carolJID, func(e wasim.AppStateEntry) bool { return e.Action.GetPinAction().GetPinned() })
	do("pinChat", map[string]any{"number": carol, "pin": false})
	s.appStateEntry("pin_v1", carolJID, func(e wasim.AppStateEntry) bool { return !e.Action.GetPinAction().GetPinned() })

	if got := do("mute", map[string]any{"number": bob, "duration": "8h"}); got["duration"] != float64(8*3600) || got["message"] != "Chat muted for 8 hours" {
		t.Fatalf("mute answer %v", got)
	}
	m := s.appStateEntry("mute", bobJID, func(e wasim.AppStateEntry) bool { return e.Action.GetMuteAction().GetMuted() })
	if end := time.UnixMilli(m.Action.GetMuteAction().GetMuteEndTimestamp()); end.Before(time.Now().Add(7*time.Hour)) || end.After(time.Now().Add(9*time.Hour)) {
		t.Fatalf("muted until %v, want about 8 hours from now", end)
	}
	s.e.Do("POST", "/api/chat/mute/sender", s.acc, map[string]any{"number": bob, "duration": "fortnight"}).
		WantError(http.StatusBadRequest, "Invalid duration: use 8h, 1w or always")

	do("markChatRead", map[string]any{"number": bob, "read": false})
	s.appStateEntry("markChatAsRead", bobJID, func(e wasim.AppStateEntry) bool { return !e.Action.GetMarkChatAsReadAction().GetRead() })

	if got := do("block", map[string]any{"number": carol}); got["blocked"] != true || got["blocked_count"] != float64(1) {
		t.Fatalf("block answer %v", got)
	}
	if !s.e.App.Sim().IsBlocked(s.phone, types.NewJID(carol, types.DefaultUserServer)) {
		t.Fatal("WhatsApp's blocklist does not hold the contact")
	}
	do("block", map[string]any{"number": carol, "block": false})
	if s.e.App.Sim().IsBlocked(s.phone, types.NewJID(carol, types.DefaultUserServer)) {
		t.Fatal("the contact is still blocked")
	}

	mark := time.Now()
	do("presence", map[string]any{"number": bob, "state": "Typing"})
	s.waitFor("WhatsApp receives the typing state", func() bool {
		for _, e := range s.e.App.Sim().TraceSince(mark) {
			if e.Dir == "in" && e.Tag == "chatstate" && strings.Contains(e.XML, "<composing") && strings.Contains(e.XML, bob) {
				return true
			}
		}
		return false
	})
	s.e.Do("POST", "/api/chat/presence/sender", s.acc, map[string]any{"number": bob, "state": "dancing"}).
		WantError(http.StatusBadRequest, "Invalid state. Use 'typing', 'recording', or 'pause'")
	s.e.Do("POST", "/api/chat/archive/sender", s.acc, map[string]any{"number": notOnWhatsApp}).
		WantError(http.StatusNotFound, "The number is not on WhatsApp")
}

// TestConcurrentChatSettingsAllLand: a client that archives, pins, mutes and tags several chats
// at once gets a 200 for each, and each reaches the phone's app state. whatsmeow writes a patch
// against the collection version it holds and retries a 409 only once, so parallel patches used
// to lose the race in turn and answer 502 "WhatsApp request failed" (CI's bad-input flood,
// 2026-12-03); the instance now sends its patches one at a time. (Archiving a chat also unpins
// it, as on the phone, so archive and pin go to different chats.)
func TestConcurrentChatSettingsAllLand(t *testing.T) {
	s := newMessageScene(t, storetest.SQLiteDSN(t))
	const chats = 6
	numbers := make([]string, chats)
	for i := range numbers {
		numbers[i] = s.user("Contact" + strconv.Itoa(i))
	}
	var wg sync.WaitGroup
	failed := make(chan string, 3*chats)
	for i, n := range numbers {
		setting := map[string]any{"number": n, "archive": true}
		route := "archive"
		if i%2 == 1 {
			route, setting = "pin", map[string]any{"number": n, "pin": true}
		}
		for _, call := range []struct {
			route string
			body  map[string]any
		}{
			{route, setting},
			{"mute", map[string]any{"number": n, "duration": "8h"}},
			{"tag", map[string]any{"name": "T" + strconv.Itoa(i)}},
		} {
			wg.Go(func() {
				r := s.e.Do("POST", "/api/chat/"+call.route+"/sender", s.acc, call.body)
				if r.Status != http.StatusOK {
					failed <- fmt.Sprintf("%s %v: %d %s", call.route, call.body, r.Status, r.Raw)
				}
			})
		}
	}
	wg.Wait()
	close(failed)
	for f := range failed {
		t.Error(f)
	}
	for i, n := range numbers {
		jid := n + "@s.whatsapp.net"
		if i%2 == 1 {
			s.appStateEntry("pin_v1", jid, func(e wasim.AppStateEntry) bool { return e.Action.GetPinAction().GetPinned() })
		} else {
			s.appStateEntry("archive", jid, func(e wasim.AppStateEntry) bool { return e.Action.GetArchiveChatAction().GetArchived() })
		}
		s.appStateEntry("mute", jid, func(e wasim.AppStateEntry) bool { return e.Action.GetMuteAction().GetMuted() })
		s.appStateIndex(func(e wasim.AppStateEntry) bool { return e.Action.GetLabelEditAction().GetName() != "" }, "label_edit", strconv.Itoa(i+1))
	}
}
