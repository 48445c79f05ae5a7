package e2e

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/switchboard/switchboard/store/storetest"
)

// TestGroupParticipants adds, promotes, demotes and removes members with partial failures,
// each result and each change checked against the simulator, and refuses a non-admin.
func TestGroupParticipants(t *testing.T) {
	s := newGroupScene(t, storetest.SQLiteDSN(t))
	memberPhone := s.pairInstance("member")
	alice, bob := s.user("Alice"), s.user("Bob")
	jid := s.create("Team", alice)
	change := func(inst, action string, participants ...string) map[string]string {
		t.Helper()
		res := s.do("POST", "participants", inst, map[string]any{"action": action, "identifier": jid, "participants": participants}).Want(http.StatusOK)
		if res.Str("groupJid") != jid || res.Str("action") != action {
			t.Fatalf("%s: %s", action, res.Raw)
		}
		return results(t, res, "participants")
	}
	wantRoles := func(want map[string]string) {
		t.Helper()
		if got := roles(s.sim(jid)); !reflect.DeepEqual(got, want) {
			t.Fatalf("simulator members %v, want %v", got, want)
		}
	}

	res := s.do("POST", "participants", "admin", map[string]any{
		"action": "add", "identifier": jid, "participants": []string{memberPhone, alice, notOnWhatsApp, "??"},
	}).Want(http.StatusOK)
	if res.Get("success") != true || res.Str("message") != "1 of 4 participants added" {
		t.Fatalf("partial success: %s", res.Raw)
	}
	want := map[string]string{userJID(memberPhone): "ok", userJID(alice): "already_member", userJID(notOnWhatsApp): "not_on_whatsapp", "??": "invalid_number"}
	if got := results(t, res, "participants"); !reflect.DeepEqual(got, want) {
		t.Fatalf("add results %v, want %v", got, want)
	}
	wantRoles(map[string]string{s.phone: "superadmin", alice: "member", memberPhone: "member"})

	// The member instance is not an admin: the whole call is refused and nothing changes.
	s.do("POST", "participants", "member", map[string]any{"action": "add", "identifier": jid, "participants": []string{bob}}).
		WantError(http.StatusForbidden, "Not authorized to manage group participants (must be admin)")
	wantRoles(map[string]string{s.phone: "superadmin", alice: "member", memberPhone: "member"})

	if got := change("admin", "promote", memberPhone, bob); !reflect.DeepEqual(got, map[string]string{userJID(memberPhone): "ok", userJID(bob): "not_member"}) {
		t.Fatalf("promote results %v", got)
	}
	wantRoles(map[string]string{s.phone: "superadmin", alice: "member", memberPhone: "admin"})

	// Now an admin, the member instance still cannot demote the super-admin who created the group.
	if got := change("member", "demote", s.phone); got[userJID(s.phone)] != "not_allowed" {
		t.Fatalf("demoting the super-admin: %v", got)
	}
	if got := change("admin", "demote", memberPhone); got[userJID(memberPhone)] != "ok" {
		t.Fatalf("demote results %v", got)
	}
	wantRoles(map[string]string{s.phone: "superadmin", alice: "member", memberPhone: "member"})

	if got := change("admin", "remove", alice, bob); !reflect.DeepEqual(got, map[string]string{userJID(alice): "ok", userJID(bob): "not_member"}) {
		t.Fatalf("remove results %v", got)
	}
	wantRoles(map[string]string{s.phone: "superadmin", memberPhone: "member"})

	// Every participant failing is still 200, with success false.
	res = s.do("POST", "participants", "admin", map[string]any{"action": "remove", "identifier": jid, "participants": []string{bob}}).Want(http.StatusOK)
	if res.Get("success") != false || res.Str("message") != "0 of 1 participants removed" {
		t.Fatalf("total failure: %s", res.Raw)
	}

	s.do("POST", "participants", "admin", map[string]any{"action": "kick", "identifier": jid, "participants": []string{bob}}).
		WantError(http.StatusBadRequest, "Invalid action: use add, remove, promote, demote, approve or reject")
	s.do("POST", "participants", "admin", map[string]any{"identifier": jid, "participants": []string{bob}}).
		WantError(http.StatusBadRequest, "action is required: add, remove, promote, demote, approve or reject")
	s.do("POST", "participants", "admin", map[string]any{"action": "add", "participants": []string{bob}}).
		WantError(http.StatusBadRequest, "Identifier is required")
	s.do("POST", "participants", "admin", map[string]any{"action": "add", "identifier": jid}).
		WantError(http.StatusBadRequest, "participants is required: at least one phone number, user JID or LID")
	s.do("POST", "participants", "admin", map[string]any{"action": "add", "identifier": "120363999999999999@g.us", "participants": []string{bob}}).
		WantError(http.StatusNotFound, "Group not found or you are not a member of this group")
}
