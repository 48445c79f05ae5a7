package groupsim

import (
	"bytes"
	"strconv"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// Group photos. SetGroupPhoto sends xmlns w:profile:picture, to
// s.whatsapp.net, target=GROUP, with <picture type="image">JPEG</picture>,
// or no content to remove. Changes are announced with a type="picture"
// notification (<set jid id author/> or <delete jid author/>), which
// whatsmeow handlePictureNotification turns into events.Picture.

var jpegMagic = []byte{0xFF, 0xD8}

func (c *call) dispatchPicture(iq *waBinary.Node, typ string) ([]waBinary.Node, *Error) {
	target, ok := jidAttr(iq, "target")
	if !ok || target.Server != types.GroupServer {
		return nil, ErrBadRequest // the core only routes group targets here
	}
	switch typ {
	case "set":
		return c.setPicture(target, iq)
	case "get":
		pic, _ := iq.GetOptionalChildByTag("picture")
		out, err := c.pictureInfo(target, &pic)
		if err != nil {
			return nil, err
		}
		return []waBinary.Node{out}, nil
	}
	return nil, ErrBadRequest
}

func (c *call) setPicture(target types.JID, iq *waBinary.Node) ([]waBinary.Node, *Error) {
	g, err := c.infoEditorGroup(target)
	if err != nil {
		return nil, err
	}
	var data []byte
	if pic, ok := iq.GetOptionalChildByTag("picture"); ok {
		data = content(&pic)
	}
	if len(data) == 0 {
		// Removal: no content (whatsmeow), an empty picture, or <delete/>.
		if g.PictureID != "" {
			g.PictureID, g.Picture = "", nil
			c.changed = true
			c.push("picture", g.jid(), g.memberJIDs(), waBinary.Node{Tag: "delete", Attrs: waBinary.Attrs{
				"jid": g.jid(), "author": c.actor,
			}})
		}
		return nil, nil
	}
	if !bytes.HasPrefix(data, jpegMagic) {
		return nil, ErrNotAcceptable // → ErrInvalidImageFormat in SetGroupPhoto
	}
	id := strconv.FormatUint(c.st.NextPicture, 10)
	c.st.NextPicture++
	g.PictureID, g.Picture = id, bytes.Clone(data)
	c.changed = true
	c.push("picture", g.jid(), g.memberJIDs(), waBinary.Node{Tag: "set", Attrs: waBinary.Attrs{
		"jid": g.jid(), "id": id, "author": c.actor,
	}})
	return []waBinary.Node{{Tag: "picture", Attrs: waBinary.Attrs{"id": id}}}, nil
}

// pictureInfo answers GetProfilePictureInfo for a group: members (or
// holders of the current invite code) only, else 401 (→
// ErrProfilePictureUnauthorized); no photo 404 (→ ErrProfilePictureNotSet);
// the caller's known id → status 304 ("unchanged", client returns nil).
func (c *call) pictureInfo(target types.JID, req *waBinary.Node) (waBinary.Node, *Error) {
	g, err := c.group(target)
	if err != nil {
		return waBinary.Node{}, err
	}
	invite, _ := strAttr(req, "invite")
	if !c.canView(g) && (invite == "" || invite != g.InviteCode) {
		return waBinary.Node{}, ErrNotAuthorized
	}
	if g.PictureID == "" {
		return waBinary.Node{}, ErrNotFound
	}
	if known, _ := strAttr(req, "id"); known == g.PictureID {
		return waBinary.Node{Tag: "picture", Attrs: waBinary.Attrs{"id": g.PictureID, "status": "304"}}, nil
	}
	typ, _ := strAttr(req, "type")
	if typ == "" {
		typ = "image"
	}
	return waBinary.Node{Tag: "picture", Attrs: waBinary.Attrs{
		"id":          g.PictureID,
		"type":        typ,
		"url":         c.cfg.PictureURL(g.jid(), g.PictureID),
		"direct_path": "/pp/" + g.ID + "/" + g.PictureID,
	}}, nil
}

// handleCommunityPicture: GetProfilePictureInfo with IsCommunity sends
// xmlns w:g2 to the community with <pictures><picture …/></pictures> and
// expects the answer wrapped the same way.
func (c *call) handleCommunityPicture(target types.JID, n *waBinary.Node) ([]waBinary.Node, *Error) {
	pic, _ := n.GetOptionalChildByTag("picture")
	out, err := c.pictureInfo(target, &pic)
	if err != nil {
		return nil, err
	}
	return []waBinary.Node{{Tag: "pictures", Content: []waBinary.Node{out}}}, nil
}
