package wasim

import (
	"strconv"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// handleStatusIQ stores the "about" text (user.go SetStatusMessage: set
// <status>TEXT</status>) and tells the other users' companions with
// <notification type="status" from=USER><set>TEXT</set> (notification.go
// handleStatusNotification → events.UserAbout). The real server tells the
// user's contacts; the simulator has no address books, so every other
// account with a companion hears it.
func (s *Server) handleStatusIQ(c *conn, iq *waBinary.Node, child waBinary.Node) waBinary.Node {
	if c.dev == nil || iq.Attrs["type"] != "set" || child.Tag != "status" {
		return iqResult(iq)
	}
	text := contentString(child)
	s.SetAbout(c.phone, text)
	return iqResult(iq)
}

// SetAbout sets a simulated user's "about" text, as its phone's profile
// screen would, and announces it.
func (s *Server) SetAbout(number, text string) {
	number = digitsOnly(number)
	s.mu.Lock()
	acc := s.accounts[number]
	if acc == nil {
		s.mu.Unlock()
		return
	}
	acc.About, acc.AboutTime = text, s.now().Unix()
	others := s.othersWithCompanionsLocked(number)
	s.mu.Unlock()
	s.saveAccount(number)
	s.Notify(others, waBinary.Node{Tag: "notification", Attrs: waBinary.Attrs{
		"type": "status", "from": types.NewJID(number, types.DefaultUserServer), "t": strconv.FormatInt(s.now().Unix(), 10),
	}, Content: []waBinary.Node{{Tag: "set", Content: []byte(text)}}})
}

// othersWithCompanionsLocked lists every other account with a linked companion: the audience of
// a user's profile changes, since the simulator has no address books to pick contacts from.
func (s *Server) othersWithCompanionsLocked(number string) []types.JID {
	var others []types.JID
	for n, a := range s.accounts {
		if n != number && len(a.devices) > 0 {
			others = append(others, a.pn())
		}
	}
	return others
}
