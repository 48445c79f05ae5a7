package e2e

import (
	"net/http"
	"testing"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
)

// TestGroupEventsNameTheirChat: group.flow events carry the group as `chat` with its subject in
// chat.name (the new one after a rename), and so do the group's messages: learnt from the events
// themselves (the join, the rename) and, for a group the process has not seen yet (after a
// restart), asked of WhatsApp.
func TestGroupEventsNameTheirChat(t *testing.T) {
	s := newEventScene(t, storetest.SQLiteDSN(t), []string{"group.flow", "message.exchange"})
	group := s.e.Do("POST", "/api/group/create/shop", s.acc, map[string]any{"name": "Team", "participants": []string{s.phone}}).
		Want(http.StatusCreated).Str("group.jid")
	joined := waitData(s, switchboard.EventGroupFlow, "joined", func(d switchboard.GroupFlowData) bool {
		return d.Action == switchboard.GroupJoined && d.Group == group
	})
	if joined.Chat == nil || joined.Chat.Name != "Team" || joined.Chat.JID != group || joined.Chat.Type != "group" {
		t.Fatalf("joined: chat %+v", joined.Chat)
	}
	groupMessage := func(text, wantName string) {
		t.Helper()
		id := s.phoneSends(s.phone, wasim.PhoneMessage{To: group, Text: text})
		if m := s.waitMessage(id); m.Chat.JID != group || m.Chat.Name != wantName || m.Chat.Type != "group" {
			t.Fatalf("message %q: chat %+v, want name %q", text, m.Chat, wantName)
		}
	}
	groupMessage("hello team", "Team")

	s.e.Do("PUT", "/api/group/update/shop", s.acc, map[string]any{"identifier": group, "name": "Team B"}).Want(http.StatusOK)
	renamed := waitData(s, switchboard.EventGroupFlow, "renamed", func(d switchboard.GroupFlowData) bool {
		return d.Action == switchboard.GroupUpdate && d.Group == group && d.Name != nil
	})
	if renamed.Chat == nil || renamed.Chat.Name != "Team B" {
		t.Fatalf("renamed: chat %+v", renamed.Chat)
	}
	bob, err := s.sim().RegisterPhone("", "Bob")
	if err != nil {
		t.Fatal(err)
	}
	s.e.Do("POST", "/api/group/participants/shop", s.acc, map[string]any{"action": "add", "identifier": group, "participants": []string{bob.User}}).Want(http.StatusOK)
	added := waitData(s, switchboard.EventGroupFlow, "added", func(d switchboard.GroupFlowData) bool {
		return d.Action == switchboard.GroupAdd && d.Group == group
	})
	if added.Chat == nil || added.Chat.Name != "Team B" {
		t.Fatalf("added: chat %+v", added.Chat)
	}
	groupMessage("renamed now", "Team B")

	// A new process knows no subject: it asks WhatsApp once.
	s.e.Restart()
	groupMessage("after the restart", "Team B")
}
