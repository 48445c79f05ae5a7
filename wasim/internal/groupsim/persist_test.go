package groupsim

import (
	"reflect"
	"testing"

	"go.mau.fi/whatsmeow/types"
)

func TestStateRoundTrip(t *testing.T) {
	h := newHarness(t, Config{})
	club, _ := h.mkCommunity(alice, "Club", bob)
	g := h.mkGroup(alice, "G", bob, carol)
	h.ok(first(h.g2(alice, "set", club, linkReq(g))))
	h.ok(first(h.g2(alice, "set", g, topicReq("", "T1", "Rules"))))
	h.ok(first(h.g2(alice, "set", g, participantsReq("promote", bob))))
	h.ok(first(h.g2(alice, "set", g, tagReq("locked"))))
	h.ok(first(h.g2(alice, "set", g, approvalOpt("on"))))
	h.ok(first(h.setPhoto(alice, g, jpeg)))
	old := h.inviteCode(alice, g, false)
	code := h.inviteCode(alice, g, true)
	h.ok(first(h.g2(dave, "set", types.GroupServerJID, inviteCodeReq(code)))) // pending request

	data, err := h.e.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	h2 := newHarness(t, Config{})
	if err := h2.e.UnmarshalState(data); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(h.e.Groups(), h2.e.Groups()) {
		t.Fatalf("groups differ after round trip:\n%+v\n%+v", h.e.Groups(), h2.e.Groups())
	}
	again, err := h2.e.MarshalState()
	if err != nil || string(again) != string(data) {
		t.Fatalf("second marshal differs: %v", err)
	}
	// Behaviour survives too: revoked code, LID knowledge, picture bytes,
	// notification ids keep increasing.
	h2.wantErr(first(h2.g2(erin, "get", types.GroupServerJID, inviteCodeReq(old))), ErrIQ(410))
	if _, pic, ok := h2.e.Picture(g); !ok || string(pic) != string(jpeg) {
		t.Fatal("picture lost")
	}
	got := h2.participants(first(h2.g2(alice, "set", g, participantsReq("demote", lidOf(bob)))), "demote")
	if got[0].Error != 0 {
		t.Fatalf("LID mapping lost: %+v", got)
	}
	if h2.e.st.NextNotification != h.e.st.NextNotification+1 {
		t.Fatal("notification counter not restored")
	}
}

func TestUnmarshalStateRejectsGarbage(t *testing.T) {
	h := newHarness(t, Config{})
	g := h.mkGroup(alice, "G")
	for _, bad := range []string{`{`, `{"version":99}`, `{"version":1,"groups":{"1":{"id":"2"}}}`} {
		if err := h.e.UnmarshalState([]byte(bad)); err == nil {
			t.Fatalf("accepted %s", bad)
		}
	}
	if _, ok := h.e.Group(g); !ok {
		t.Fatal("failed load dropped the current state")
	}
	if err := h.e.UnmarshalState([]byte(`{"version":1}`)); err != nil || len(h.e.Groups()) != 0 {
		t.Fatalf("empty state: %v", err)
	}
	h.mkGroup(alice, "works after empty load")
}
