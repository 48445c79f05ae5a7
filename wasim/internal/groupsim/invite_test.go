package groupsim

import (
	"testing"

	waBinary "go.mau.fi/whatsmeow/binary"

	"go.mau.fi/whatsmeow/types"
)

func (h *harness) inviteCode(actor, g types.JID, reset bool) string {
	h.t.Helper()
	typ := "get"
	if reset {
		typ = "set"
	}
	resp, _ := h.g2(actor, typ, g, inviteReq())
	resp = h.ok(resp)
	code, ok := resp.GetChildByTag("invite").Attrs["code"].(string)
	if !ok || len(code) != 22 {
		h.t.Fatalf("invite reply %s", resp.String())
	}
	return code
}

func TestInviteLink(t *testing.T) {
	h := newHarness(t, Config{})
	g := h.mkGroup(alice, "G", bob)

	// GetGroupInviteLink wraps 401/404/403.
	h.wantErr(first(h.g2(bob, "get", g, inviteReq())), ErrIQ(401))
	h.wantErr(first(h.g2(carol, "get", g, inviteReq())), ErrIQ(403))
	h.wantErr(first(h.g2(alice, "get", groupJID("120363999999999999"), inviteReq())), ErrIQ(404))
	h.wantErr(first(h.g2(bob, "set", g, inviteReq())), ErrIQ(401))

	old := h.inviteCode(alice, g, false)
	if again := h.inviteCode(alice, g, false); again != old {
		t.Fatal("get changed the code")
	}
	resp, notes := h.g2(alice, "set", g, inviteReq())
	resp = h.ok(resp)
	code := resp.GetChildByTag("invite").Attrs["code"].(string)
	if code == old {
		t.Fatal("reset kept the code")
	}
	evt := h.info(notes[0])
	if evt.NewInviteLink == nil || *evt.NewInviteLink != "https://chat.whatsapp.com/"+code {
		t.Fatalf("invite event %+v", evt.NewInviteLink)
	}

	// GetGroupInfoFromLink: revoked 410, unknown 406, current → group.
	h.wantErr(first(h.g2(carol, "get", types.GroupServerJID, inviteCodeReq(old))), ErrIQ(410))
	h.wantErr(first(h.g2(carol, "get", types.GroupServerJID, inviteCodeReq("nonsense"))), ErrIQ(406))
	h.wantErr(first(h.g2(carol, "get", types.GroupServerJID, inviteCodeReq(""))), ErrIQ(406))
	resp, notes = h.g2(carol, "get", types.GroupServerJID, inviteCodeReq(code))
	if info := h.groupInfo(resp); info.JID != g || len(notes) != 0 {
		t.Fatalf("link info %+v", info)
	}

	// JoinGroupWithLink.
	h.wantErr(first(h.g2(carol, "set", types.GroupServerJID, inviteCodeReq(old))), ErrIQ(410))
	h.wantErr(first(h.g2(carol, "set", types.GroupServerJID, inviteCodeReq("nonsense"))), ErrIQ(406))
	resp, notes = h.g2(carol, "set", types.GroupServerJID, inviteCodeReq(code))
	resp = h.ok(resp)
	gn := resp.GetChildByTag("group")
	if j := gn.AttrGetter().JID("jid"); j != g {
		t.Fatalf("join reply %s", resp.String())
	}
	jg := h.joined(h.noteTo(notes, carol))
	if jg.Reason != "invite" || jg.JID != g {
		t.Fatalf("joined event %+v", jg)
	}
	add := h.info(h.noteTo(notes, alice))
	if add.JoinReason != "invite" || len(add.Join) != 1 || add.Join[0] != carol {
		t.Fatalf("add event %+v", add)
	}
	// Joining again is harmless (assumed).
	resp, notes = h.g2(carol, "set", types.GroupServerJID, inviteCodeReq(code))
	if h.ok(resp); len(notes) != 0 {
		t.Fatal("second join notified")
	}
}

func TestInviteMessageUnsupported(t *testing.T) {
	h := newHarness(t, Config{})
	g := h.mkGroup(alice, "G")
	// JoinGroupWithInvite (<accept>): the simulator never issues such codes.
	accept := inviteCodeReq("abc")
	accept.Tag = "accept"
	h.wantErr(first(h.g2(bob, "set", g, accept)), ErrIQ(406))
	// GetGroupInfoFromInvite: <query><add_request code expiration admin/></query>.
	query := waBinary.Node{Tag: "query", Content: []waBinary.Node{{Tag: "add_request", Attrs: waBinary.Attrs{
		"code": "abc", "expiration": "1", "admin": alice}}}}
	h.wantErr(first(h.g2(bob, "get", g, query)), ErrIQ(406))
	h.wantErr(first(h.g2(bob, "get", groupJID("120363999999999999"), query)), ErrIQ(404))
}

func TestMembershipRequests(t *testing.T) {
	h := newHarness(t, Config{})
	g := h.mkGroup(alice, "G", bob)
	h.ok(first(h.g2(alice, "set", g, approvalOpt("on"))))
	code := h.inviteCode(alice, g, false)

	for _, u := range []types.JID{carol, dave, erin} {
		resp, notes := h.g2(u, "set", types.GroupServerJID, inviteCodeReq(code))
		resp = h.ok(resp)
		mar, ok := resp.GetOptionalChildByTag("membership_approval_request")
		if !ok || mar.AttrGetter().JID("jid") != g || len(notes) != 0 {
			t.Fatalf("join with approval: %s", resp.String())
		}
	}
	// Asking twice keeps one request.
	h.ok(first(h.g2(carol, "set", types.GroupServerJID, inviteCodeReq(code))))

	h.wantErr(first(h.g2(bob, "get", g, requestListReq())), ErrIQ(401))
	h.wantErr(first(h.g2(carol, "get", g, requestListReq())), ErrIQ(403))
	resp, _ := h.g2(alice, "get", g, requestListReq())
	resp = h.ok(resp)
	list := resp.GetChildByTag("membership_approval_requests")
	reqs := list.GetChildrenByTag("membership_approval_request")
	if len(reqs) != 3 {
		t.Fatalf("requests %s", list.String())
	}
	ag := reqs[0].AttrGetter()
	if ag.JID("jid") != carol || !ag.UnixTime("request_time").Equal(testNow) || !ag.OK() {
		t.Fatalf("request %s", reqs[0].String())
	}
	if v, _ := h.e.Group(g); len(v.PendingRequests) != 3 {
		t.Fatalf("view pending %v", v.PendingRequests)
	}

	h.wantErr(first(h.g2(bob, "set", g, requestActionReq("approve", carol))), ErrIQ(401))
	resp, notes := h.g2(alice, "set", g, requestActionReq("approve", carol, bob))
	got := h.participants(resp, "membership_requests_action", "approve")
	if got[0].JID != carol || got[0].Error != 0 || got[1].Error != 404 {
		t.Fatalf("approve results %+v", got)
	}
	if jg := h.joined(h.noteTo(notes, carol)); jg.JID != g {
		t.Fatalf("approved join %+v", jg)
	}
	resp, notes = h.g2(alice, "set", g, requestActionReq("reject", dave))
	if got := h.participants(resp, "membership_requests_action", "reject"); got[0].Error != 0 || len(notes) != 0 {
		t.Fatalf("reject %+v %s", got, dumpNotes(notes))
	}
	v, _ := h.e.Group(g)
	if len(v.PendingRequests) != 1 || v.PendingRequests[0] != erin || len(v.Participants) != 3 {
		t.Fatalf("after actions %+v", v)
	}
	// An admin adding a requester directly clears the request.
	h.ok(first(h.g2(alice, "set", g, participantsReq("add", erin))))
	if v, _ := h.e.Group(g); len(v.PendingRequests) != 0 {
		t.Fatal("request not cleared by add")
	}
}
