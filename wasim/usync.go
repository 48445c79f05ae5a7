package wasim

import (
	"strconv"
	"strings"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// handleUsync answers user-sync queries (user.go usync): the device lists
// SendMessage needs, the contact lookup behind IsOnWhatsApp and the LID
// lookup behind GetUserInfo. Each <user> of the list gets one child per
// protocol in <query>; protocols the simulator has no data for answer an
// empty element, which whatsmeow reads as "nothing known".
func (s *Server) handleUsync(iq *waBinary.Node, req waBinary.Node) waBinary.Node {
	var protocols []string
	for _, q := range children(req.GetChildByTag("query")) {
		protocols = append(protocols, q.Tag)
	}
	var users []waBinary.Node
	s.mu.Lock()
	for _, u := range children(req.GetChildByTag("list")) {
		if u.Tag == "user" {
			users = append(users, s.usyncUserLocked(u, protocols))
		}
	}
	s.mu.Unlock()
	attrs := waBinary.Attrs{}
	for _, k := range []string{"sid", "mode", "last", "index", "context"} {
		if v, ok := req.Attrs[k]; ok {
			attrs[k] = v
		}
	}
	return iqResult(iq, waBinary.Node{Tag: "usync", Attrs: attrs, Content: []waBinary.Node{
		{Tag: "result"},
		{Tag: "list", Content: users},
	}})
}

func (s *Server) usyncUserLocked(u waBinary.Node, protocols []string) waBinary.Node {
	jid, hasJID := u.Attrs["jid"].(types.JID)
	contactQuery := contentString(u.GetChildByTag("contact"))
	if !hasJID {
		// IsOnWhatsApp sends <contact>+123@c.us</contact> without a jid;
		// the answer names the number's phone JID either way.
		jid = types.NewJID(digitsOnly(strings.TrimSuffix(contactQuery, "@"+types.LegacyUserServer)), types.DefaultUserServer)
	}
	jid = jid.ToNonAD()
	acc := s.accountForLocked(jid)
	out := waBinary.Node{Tag: "user", Attrs: waBinary.Attrs{"jid": jid}}
	var children []waBinary.Node
	for _, p := range protocols {
		switch p {
		case "devices":
			if acc != nil {
				children = append(children, devicesNode(acc))
			} else {
				children = append(children, waBinary.Node{Tag: "devices"})
			}
		case "contact":
			typ := "out"
			if acc != nil {
				typ = "in"
			}
			children = append(children, waBinary.Node{Tag: "contact", Attrs: waBinary.Attrs{"type": typ}, Content: []byte(contactQuery)})
		case "status":
			st := waBinary.Node{Tag: "status"}
			if acc != nil && acc.About != "" {
				st.Attrs = waBinary.Attrs{"t": strconv.FormatInt(acc.AboutTime, 10)}
				st.Content = []byte(acc.About)
			}
			children = append(children, st)
		case "picture":
			pic := waBinary.Node{Tag: "picture"}
			if acc != nil && acc.PictureID != "" {
				pic.Attrs = waBinary.Attrs{"id": acc.PictureID}
			}
			children = append(children, pic)
		case "lid":
			lid := waBinary.Node{Tag: "lid"}
			if acc != nil && jid.Server == types.DefaultUserServer {
				lid.Attrs = waBinary.Attrs{"val": acc.lid()}
			}
			children = append(children, lid)
		default:
			children = append(children, waBinary.Node{Tag: p})
		}
	}
	if len(children) > 0 {
		out.Content = children
	}
	return out
}

// devicesNode lists device 0 (the phone) and every linked companion.
func devicesNode(acc *account) waBinary.Node {
	list := []waBinary.Node{{Tag: "device", Attrs: waBinary.Attrs{"id": "0"}}}
	for _, id := range acc.sortedDeviceIDs() {
		list = append(list, waBinary.Node{Tag: "device", Attrs: waBinary.Attrs{
			"id":        strconv.Itoa(int(id)),
			"key-index": strconv.Itoa(int(acc.devices[id].KeyIndex)),
		}})
	}
	return waBinary.Node{Tag: "devices", Content: []waBinary.Node{{Tag: "device-list", Content: list}}}
}

func digitsOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
