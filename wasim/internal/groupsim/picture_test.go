package groupsim

import (
	"testing"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

func (h *harness) setPhoto(actor, g types.JID, avatar []byte) (waBinary.Node, []Notification) {
	h.t.Helper()
	// SetGroupPhoto: xmlns w:profile:picture, to s.whatsapp.net, target=GROUP.
	return h.send(actor, "w:profile:picture", "set", types.ServerJID, g, photoContent(avatar))
}

func TestGroupPhoto(t *testing.T) {
	h := newHarness(t, Config{})
	g := h.mkGroup(alice, "G", bob)

	h.wantErr(first(h.setPhoto(dave, g, jpeg)), ErrIQ(403))
	h.wantErr(first(h.setPhoto(bob, g, jpeg)), ErrIQ(401))
	h.wantErr(first(h.setPhoto(alice, groupJID("120363999999999999"), jpeg)), ErrIQ(404))
	// Not a JPEG → 406, which SetGroupPhoto wraps as ErrInvalidImageFormat.
	h.wantErr(first(h.setPhoto(alice, g, []byte("\x89PNG\r\n"))), ErrIQ(406))

	resp, notes := h.setPhoto(alice, g, jpeg)
	h.ok(resp)
	pic := resp.GetChildByTag("picture")
	id, ok := pic.Attrs["id"].(string)
	if !ok || id == "" {
		t.Fatalf("reply %s", resp.String())
	}
	if len(notes) != 1 || notes[0].Node.Attrs["type"] != "picture" {
		t.Fatalf("notes %s", dumpNotes(notes))
	}
	sameUsers(t, notes[0].To, alice, bob)
	evt := h.picture(notes[0])
	if evt.JID != g || evt.Author != alice || evt.PictureID != id || evt.Remove || !evt.Timestamp.Equal(testNow) {
		t.Fatalf("picture event %+v", evt)
	}
	if gotID, data, ok := h.e.Picture(g); !ok || gotID != id || string(data) != string(jpeg) {
		t.Fatal("Engine.Picture")
	}

	// GetProfilePictureInfo on the group.
	resp, _ = h.send(bob, "w:profile:picture", "get", types.ServerJID, g, photoQuery(""))
	resp = h.ok(resp)
	info := resp.GetChildByTag("picture")
	ag := info.AttrGetter()
	if ag.String("id") != id || ag.String("url") == "" || ag.String("type") != "image" || ag.String("direct_path") == "" || !ag.OK() {
		t.Fatalf("picture info %s", info.String())
	}
	resp, _ = h.send(bob, "w:profile:picture", "get", types.ServerJID, g, photoQuery(id))
	resp = h.ok(resp)
	unchanged := resp.GetChildByTag("picture")
	if st := unchanged.AttrGetter().OptionalInt("status"); st != 304 {
		t.Fatalf("unchanged picture status %d", st)
	}
	// Non-members: 401 → ErrProfilePictureUnauthorized.
	h.wantErr(first(h.send(dave, "w:profile:picture", "get", types.ServerJID, g, photoQuery(""))), ErrIQ(401))

	// Removal: SetGroupPhoto(nil) sends no content at all.
	resp, notes = h.setPhoto(alice, g, nil)
	h.ok(resp)
	if evt := h.picture(notes[0]); !evt.Remove || evt.Author != alice {
		t.Fatalf("remove event %+v", evt)
	}
	// No photo: 404 → ErrProfilePictureNotSet.
	h.wantErr(first(h.send(bob, "w:profile:picture", "get", types.ServerJID, g, photoQuery(""))), ErrIQ(404))
	// Removing again changes nothing.
	if _, notes = h.setPhoto(alice, g, nil); len(notes) != 0 {
		t.Fatal("second removal notified")
	}
}

func TestCommunityPhotoQuery(t *testing.T) {
	h := newHarness(t, Config{})
	club, _ := h.mkCommunity(alice, "Club", bob)
	h.ok(first(h.setPhoto(alice, club, jpeg)))
	// GetProfilePictureInfo with IsCommunity: w:g2 to the community, wrapped
	// in <pictures>.
	req := waBinary.Node{Tag: "pictures", Content: []waBinary.Node{{Tag: "picture", Attrs: waBinary.Attrs{
		"query": "url", "type": "image", "parent_group_jid": club,
	}}}}
	resp, _ := h.g2(bob, "get", club, req)
	resp = h.ok(resp)
	pics, ok := resp.GetOptionalChildByTag("pictures")
	if !ok {
		t.Fatalf("reply %s", resp.String())
	}
	if p := pics.GetChildByTag("picture"); p.AttrGetter().OptionalString("url") == "" {
		t.Fatalf("reply %s", resp.String())
	}
}
