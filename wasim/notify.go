package wasim

import (
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// maxOffline bounds the queue of a device that never comes back.
const maxOffline = 5000

// Notify delivers a server stanza (typically a <notification>) to every
// linked device of every user in to (phone or LID user JIDs). Each delivery
// gets its own id attribute, since clients ack per id. Offline devices get
// it after their next login, before the <ib><offline/> marker.
func (s *Server) Notify(to []types.JID, node waBinary.Node) {
	for _, dev := range s.devicesOf(to) {
		copyNode := node
		copyNode.Attrs = make(waBinary.Attrs, len(node.Attrs)+1)
		for k, v := range node.Attrs {
			copyNode.Attrs[k] = v
		}
		copyNode.Attrs["id"] = s.nextID()
		s.deliver(dev, copyNode)
	}
}

// devicesOf lists the companion devices of users, each once.
func (s *Server) devicesOf(users []types.JID) []*device {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := make(map[*device]bool)
	var out []*device
	for _, u := range users {
		acc := s.accountForLocked(u)
		if acc == nil {
			continue
		}
		for _, id := range acc.sortedDeviceIDs() {
			if d := acc.devices[id]; !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	return out
}

// deliver sends node to an online device or queues it for the next login.
// The check and the queueing happen under one lock with login's hand-over
// (conn.ready), so nothing lands in a queue that was just flushed.
func (s *Server) deliver(dev *device, node waBinary.Node) {
	s.mu.Lock()
	c := dev.conn
	if c != nil && c.ready {
		c.trackLocked(node) // before the send: the ack may come back at once
		s.mu.Unlock()
		if c.send(node) == nil {
			return
		}
		s.untrack(c, node)
	} else {
		s.mu.Unlock()
	}
	raw, err := waBinary.Marshal(node)
	if err != nil {
		s.log.Warn("wasim: cannot queue stanza", "err", err)
		return
	}
	s.requeue(dev, [][]byte{raw})
}

// requeue appends stanzas to a device's offline queue, unless the device
// has been removed meanwhile.
func (s *Server) requeue(dev *device, stanzas [][]byte) {
	if len(stanzas) == 0 {
		return
	}
	s.mu.Lock()
	acc := s.accounts[dev.Phone]
	if acc == nil || acc.devices[dev.ID] != dev {
		s.mu.Unlock()
		return
	}
	dev.Offline = append(dev.Offline, stanzas...)
	if over := len(dev.Offline) - maxOffline; over > 0 {
		dev.Offline = dev.Offline[over:]
	}
	s.mu.Unlock()
	s.saveDevice(dev.pn())
}

// decodeStanza reverses waBinary.Marshal, whose output starts with the
// frame flag byte that Unpack strips.
func decodeStanza(raw []byte) (*waBinary.Node, error) {
	unpacked, err := waBinary.Unpack(raw)
	if err != nil {
		return nil, err
	}
	return waBinary.Unmarshal(unpacked)
}
