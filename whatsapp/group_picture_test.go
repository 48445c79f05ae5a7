package whatsapp

import (
	"strings"
	"testing"

	"github.com/switchboard/switchboard"
)

// tinyJPEG is enough of a JPEG for the simulator, which checks the SOI marker only.
var tinyJPEG = []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0xFF, 0xD9}

// TestGroupPictureURL reads pictures of a group and of a community's parent (which whatsmeow asks
// for differently): "" without one, the simulator's URL for the current id with one.
func TestGroupPictureURL(t *testing.T) {
	e := newEnv(t)
	_, _, gc := connectedGroups(t, e, "5511700004444")
	ctx := ctxT(t)
	group, err := gc.CreateGroup(ctx, switchboard.CreateGroupParams{Name: "Pictures"})
	if err != nil {
		t.Fatal(err)
	}
	community, err := gc.CreateGroup(ctx, switchboard.CreateGroupParams{Name: "Picture club", IsCommunity: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []*switchboard.Group{group, community} {
		if url, err := gc.PictureURL(ctx, g.JID, g.IsCommunity); err != nil || url != "" {
			t.Fatalf("%s without a picture: %q, %v", g.Name, url, err)
		}
		if err := gc.SetPhoto(ctx, g.JID, tinyJPEG); err != nil {
			t.Fatalf("%s: set photo: %v", g.Name, err)
		}
		view, _ := e.sim.Group(toWAJID(g.JID))
		url, err := gc.PictureURL(ctx, g.JID, g.IsCommunity)
		if err != nil || view.PictureID == "" || !strings.HasSuffix(url, "/pp/"+g.JID.User+"/"+view.PictureID) {
			t.Fatalf("%s with picture %q: %q, %v", g.Name, view.PictureID, url, err)
		}
	}
}
