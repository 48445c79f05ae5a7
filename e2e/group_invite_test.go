package e2e

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/store/storetest"
)

// TestGroupJoinResetLinkAndLeave: a second instance joins by code and by link, leaves (twice:
// the second is 404), cannot join by JID, cannot reset the link; the admin's reset kills the old
// code at once.
func TestGroupJoinResetLinkAndLeave(t *testing.T) {
	s := newGroupScene(t, storetest.SQLiteDSN(t))
	memberPhone := s.pairInstance("member")
	jid := s.create("Open")
	code := s.sim(jid).InviteCode
	isMember := func() bool { _, ok := roles(s.sim(jid))[memberPhone]; return ok }
	notFound := "Group not found or you are not a member of this group"

	// Not a member yet: details are refused, even with the code.
	s.query("GET", "info", "member", url.Values{"identifier": {code}}).WantError(http.StatusNotFound, notFound)

	res := s.do("POST", "join", "member", map[string]any{"identifier": code}).Want(http.StatusOK)
	if res.Str("groupJid") != jid || res.Get("requiresApproval") != false || res.Str("message") != "Successfully joined the group" || !isMember() {
		t.Fatalf("join by code (member in simulator: %v): %s", isMember(), res.Raw)
	}
	res = s.query("DELETE", "leave", "member", url.Values{"identifier": {jid}}).Want(http.StatusOK)
	if res.Str("message") != "Successfully left the group" || res.Str("groupJid") != jid || isMember() {
		t.Fatalf("leave (member in simulator: %v): %s", isMember(), res.Raw)
	}
	s.query("DELETE", "leave", "member", url.Values{"identifier": {jid}}).WantError(http.StatusNotFound, notFound)

	s.do("POST", "join", "member", map[string]any{"identifier": "https://chat.whatsapp.com/" + code}).Want(http.StatusOK)
	if !isMember() {
		t.Fatal("join by link did not make the instance a member")
	}
	s.do("POST", "join", "member", map[string]any{"identifier": jid}).
		WantError(http.StatusBadRequest, "Join needs an invite code or an invite link, not a group JID")
	s.do("POST", "join", "member", map[string]any{"identifier": ""}).WantError(http.StatusBadRequest, "Identifier is required")
	s.do("POST", "join", "member", map[string]any{"identifier": "not a code!"}).WantError(http.StatusBadRequest, "Invalid invite code or link")
	s.do("POST", "join", "member", map[string]any{"identifier": "NoSuchCode123"}).WantError(http.StatusBadRequest, "Invalid invite code or link")

	s.do("POST", "resetLink", "member", map[string]any{"identifier": jid}).
		WantError(http.StatusForbidden, "Not authorized to reset group invite link (must be admin)")
	s.do("POST", "resetLink", "admin", map[string]any{}).WantError(http.StatusBadRequest, "Identifier is required")
	s.do("POST", "resetLink", "admin", map[string]any{"identifier": "120363999999999999@g.us"}).WantError(http.StatusNotFound, notFound)
	if s.sim(jid).InviteCode != code {
		t.Fatal("a refused reset changed the code")
	}
	res = s.do("POST", "resetLink", "admin", map[string]any{"identifier": "https://chat.whatsapp.com/" + code}).Want(http.StatusOK)
	fresh := res.Str("inviteCode")
	if res.Str("message") != "Group invite link reset successfully" || res.Str("groupJid") != jid || fresh == code ||
		fresh != s.sim(jid).InviteCode || res.Str("inviteLink") != "https://chat.whatsapp.com/"+fresh {
		t.Fatalf("reset (simulator code %q, old %q): %s", s.sim(jid).InviteCode, code, res.Raw)
	}

	// The old code is dead for anyone not in the group.
	s.query("DELETE", "leave", "member", url.Values{"identifier": {fresh}}).Want(http.StatusOK)
	s.do("POST", "join", "member", map[string]any{"identifier": code}).WantError(http.StatusNotFound, "Invite link has been revoked or expired")
	s.query("GET", "info", "admin", url.Values{"identifier": {code}}).WantError(http.StatusNotFound, "Invite link has been revoked or expired")
	if isMember() {
		t.Fatal("joined with a revoked code")
	}
	s.do("POST", "join", "member", map[string]any{"identifier": fresh}).Want(http.StatusOK)
	if !isMember() {
		t.Fatal("join with the new code failed")
	}
}

// TestGroupJoinRequests: in an approval group a join waits; the admin sees the request, rejects
// it, sees the next one and approves it; a member who is not an admin cannot read the queue.
func TestGroupJoinRequests(t *testing.T) {
	s := newGroupScene(t, storetest.SQLiteDSN(t))
	memberPhone := s.pairInstance("member")
	res := s.do("POST", "create", "admin", map[string]any{"name": "Gated", "groupSettings": map[string]any{"requireAdminApproval": true}}).
		Want(http.StatusCreated)
	jid := res.Str("group.jid")
	code := s.sim(jid).InviteCode
	pending := func() bool {
		return slices.ContainsFunc(s.sim(jid).PendingRequests, func(j types.JID) bool { return j.User == memberPhone })
	}
	isMember := func() bool { _, ok := roles(s.sim(jid))[memberPhone]; return ok }
	requests := url.Values{"identifier": {jid}}

	join := func() {
		t.Helper()
		res := s.do("POST", "join", "member", map[string]any{"identifier": code}).Want(http.StatusOK)
		if res.Get("requiresApproval") != true || res.Str("groupJid") != jid || res.Str("message") != "Join request sent; an admin must approve it" {
			t.Fatalf("join of an approval group: %s", res.Raw)
		}
		if !pending() || isMember() {
			t.Fatalf("simulator: pending %v, member %v", pending(), isMember())
		}
		list := s.query("GET", "requests", "admin", requests).Want(http.StatusOK)
		if list.Str("message") != "1 pending request(s)" || list.Get("meta.total") != 1.0 ||
			list.Str("requests.0.jid") != userJID(memberPhone) || list.Str("requests.0.phoneNumber") != memberPhone {
			t.Fatalf("requests: %s", list.Raw)
		}
	}

	join()
	// Still pending, the member instance is not in the group.
	s.query("GET", "requests", "member", requests).WantError(http.StatusNotFound, "Group not found or you are not a member of this group")

	if got := results(t, s.do("POST", "participants", "admin", map[string]any{"action": "reject", "identifier": jid, "participants": []string{memberPhone}}).Want(http.StatusOK), "participants"); got[userJID(memberPhone)] != "ok" {
		t.Fatalf("reject: %v", got)
	}
	if pending() || isMember() {
		t.Fatalf("after reject, simulator: pending %v, member %v", pending(), isMember())
	}
	if got := results(t, s.do("POST", "participants", "admin", map[string]any{"action": "approve", "identifier": jid, "participants": []string{memberPhone}}).Want(http.StatusOK), "participants"); got[userJID(memberPhone)] != "no_request" {
		t.Fatalf("approving nobody: %v", got)
	}
	list := s.query("GET", "requests", "admin", requests).Want(http.StatusOK)
	if list.Str("message") != "0 pending request(s)" || len(list.List("requests")) != 0 || list.Get("requests") == nil {
		t.Fatalf("empty queue: %s", list.Raw)
	}

	join()
	if got := results(t, s.do("POST", "participants", "admin", map[string]any{"action": "approve", "identifier": code, "participants": []string{userJID(memberPhone)}}).Want(http.StatusOK), "participants"); got[userJID(memberPhone)] != "ok" {
		t.Fatalf("approve: %v", got)
	}
	if pending() || !isMember() {
		t.Fatalf("after approve, simulator: pending %v, member %v", pending(), isMember())
	}

	s.query("GET", "requests", "member", requests).WantError(http.StatusForbidden, "Not authorized to view group requests (must be admin)")
	s.query("GET", "requests", "admin", url.Values{}).WantError(http.StatusBadRequest, "Identifier is required")
}
