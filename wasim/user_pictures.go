package wasim

import (
	"bytes"
	"net/http"
	"strconv"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// Users' own pictures. whatsmeow's SetGroupPhoto without a target (w:profile:picture set to
// s.whatsapp.net, <picture type="image">JPEG</picture>, or no content to remove) is the
// account's own picture, as WhatsApp's apps send it; GetProfilePictureInfo with a user target
// reads one. Group targets go to the group engine (stanza.go).

// handleUserPictureIQ answers w:profile:picture IQs for users.
func (s *Server) handleUserPictureIQ(c *conn, iq *waBinary.Node) waBinary.Node {
	if c.dev == nil {
		return iqError(iq, 401, "")
	}
	switch iq.Attrs["type"] {
	case "set":
		if _, hasTarget := iq.Attrs["target"]; hasTarget {
			return iqError(iq, 403, "") // only the account itself changes its picture
		}
		var data []byte
		if pic, ok := iq.GetOptionalChildByTag("picture"); ok {
			data, _ = pic.Content.([]byte)
		}
		if len(data) > 0 && !bytes.HasPrefix(data, []byte{0xFF, 0xD8}) {
			return iqError(iq, 406, "") // → ErrInvalidImageFormat
		}
		id := s.setUserPicture(c.phone, data)
		if id == "" {
			return iqResult(iq)
		}
		return iqResult(iq, waBinary.Node{Tag: "picture", Attrs: waBinary.Attrs{"id": id}})
	case "get":
		target, _ := iq.Attrs["target"].(types.JID)
		return s.userPictureInfo(c.phone, iq, target)
	}
	return iqError(iq, 400, "")
}

// setUserPicture stores (or, with no data, removes) a user's picture and tells the other users'
// companions with a type="picture" notification (whatsmeow handlePictureNotification →
// events.Picture). It returns the new picture id, "" on removal.
func (s *Server) setUserPicture(number string, data []byte) string {
	s.mu.Lock()
	acc := s.accounts[number]
	if acc == nil {
		s.mu.Unlock()
		return ""
	}
	id := ""
	if len(data) > 0 {
		id = s.nextID()
	}
	acc.PictureID, acc.Picture = id, bytes.Clone(data)
	others := s.othersWithCompanionsLocked(number)
	s.mu.Unlock()
	s.saveAccount(number)
	own := types.NewJID(number, types.DefaultUserServer)
	change := waBinary.Node{Tag: "delete", Attrs: waBinary.Attrs{"jid": own}}
	if id != "" {
		change = waBinary.Node{Tag: "set", Attrs: waBinary.Attrs{"jid": own, "id": id}}
	}
	s.Notify(others, waBinary.Node{Tag: "notification", Attrs: waBinary.Attrs{
		"type": "picture", "from": own, "t": strconv.FormatInt(s.now().Unix(), 10),
	}, Content: []waBinary.Node{change}})
	return id
}

// userPictureInfo answers GetProfilePictureInfo for a user: 404 (→ ErrProfilePictureNotSet)
// without a picture, 401 (→ ErrProfilePictureUnauthorized) when the owner's "profile" privacy
// is none and someone else asks, status 304 when the caller already knows the id.
func (s *Server) userPictureInfo(viewer string, iq *waBinary.Node, target types.JID) waBinary.Node {
	s.mu.Lock()
	acc := s.accountForLocked(target)
	var id, owner string
	if acc != nil {
		id, owner = acc.PictureID, acc.Phone
	}
	s.mu.Unlock()
	if acc == nil || id == "" {
		return iqError(iq, 404, "")
	}
	if owner != viewer && s.privacyValue(owner, "profile") == "none" {
		return iqError(iq, 401, "")
	}
	req, _ := iq.GetOptionalChildByTag("picture")
	if known, _ := req.Attrs["id"].(string); known == id {
		return iqResult(iq, waBinary.Node{Tag: "picture", Attrs: waBinary.Attrs{"id": id, "status": "304"}})
	}
	typ, _ := req.Attrs["type"].(string)
	if typ == "" {
		typ = "image"
	}
	return iqResult(iq, waBinary.Node{Tag: "picture", Attrs: waBinary.Attrs{
		"id": id, "type": typ, "url": s.pictures.userURL(owner, id), "direct_path": "/pp/u/" + owner + "/" + id,
	}})
}

func (p *pictureBase) userURL(number, id string) string {
	base := "https://wasim.invalid"
	if b := p.v.Load(); b != nil {
		base = *b
	}
	return base + "/pp/u/" + number + "/" + id
}

// serveUserPicture serves a user's current picture; an id that is not the current one is 404.
func (s *Server) serveUserPicture(w http.ResponseWriter, r *http.Request) {
	id, jpeg, _ := s.UserPicture(r.PathValue("user"))
	if id == "" || id != r.PathValue("id") {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "public, max-age=86400, immutable")
	_, _ = w.Write(jpeg)
}

// UserPicture returns a simulated user's current picture id and JPEG ("" and nil when none): the
// ground truth a test compares with what a client set.
func (s *Server) UserPicture(number string) (string, []byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	acc := s.accounts[digitsOnly(number)]
	if acc == nil {
		return "", nil, ErrUnknownPhone
	}
	return acc.PictureID, bytes.Clone(acc.Picture), nil
}

// SetUserPicture plays a user setting (jpeg) or removing (nil) their picture on their phone.
func (s *Server) SetUserPicture(number string, jpeg []byte) error {
	number = digitsOnly(number)
	if _, _, err := s.UserPicture(number); err != nil {
		return err
	}
	s.setUserPicture(number, jpeg)
	return nil
}
