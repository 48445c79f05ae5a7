package wasim

import (
	"fmt"

	waBinary "go.mau.fi/whatsmeow/binary"
)

// unackedMessage is a message delivered to a connection that the client
// has not acked yet.
type unackedMessage struct {
	key string
	raw []byte
}

// ackKey names a delivered message the way the client's ack names it back:
// whatsmeow's sendAck (receipt.go) echoes id and turns from into to.
func ackKey(id, from any) string { return fmt.Sprint(id) + "|" + fmt.Sprint(from) }

// trackLocked remembers a message delivered to c until the client acks it;
// a message still unacked when the connection ends is delivered again at
// the next login, as the real server redelivers (what whatsmeow's
// SynchronousAck relies on: a handler that fails leaves the message unacked).
// Caller holds Server.mu.
//
// A phone's peer messages (category="peer": the app-state key share, the
// history-sync notice) are not tracked: the companion asks its phone again
// when it misses one (APP_STATE_SYNC_KEY_REQUEST), and replaying them at a
// reconnect made whatsmeow handle them while a gateway logged the device
// out at once (whatsmeow's Logout races with its own peer_msg receipt
// goroutine, found by the gateway's race-detector suite).
func (c *conn) trackLocked(node waBinary.Node) {
	if node.Tag != "message" || node.Attrs["category"] == "peer" {
		return
	}
	raw, err := waBinary.Marshal(node)
	if err != nil {
		return
	}
	c.unacked = append(c.unacked, unackedMessage{key: ackKey(node.Attrs["id"], node.Attrs["from"]), raw: raw})
}

// untrack forgets a message whose send failed (it is queued instead).
func (s *Server) untrack(c *conn, node waBinary.Node) {
	key := ackKey(node.Attrs["id"], node.Attrs["from"])
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, u := range c.unacked {
		if u.key == key {
			c.unacked = append(c.unacked[:i:i], c.unacked[i+1:]...)
			return
		}
	}
}

// unackedOf counts the unacked messages of a device's live connection.
// Caller holds Server.mu.
func unackedOf(dev *device) int {
	if dev.conn == nil {
		return 0
	}
	return len(dev.conn.unacked)
}

// handleClientAck takes a client's <ack class="message" id to> (whatsmeow
// sends one for a message it could not handle) and, through handleReceipt,
// the receipt it sends for one it handled (message.go decryptMessages ends
// with sendMessageReceipt, not an ack): either settles the delivery.
func (s *Server) handleClientAck(c *conn, node *waBinary.Node) {
	if node.Tag == "ack" && stringAttr(node, "class") != "message" {
		return
	}
	key := ackKey(node.Attrs["id"], node.Attrs["to"])
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, u := range c.unacked {
		if u.key == key {
			c.unacked = append(c.unacked[:i:i], c.unacked[i+1:]...)
			return
		}
	}
}

// requeueUnackedLocked moves a closed connection's unacked messages to the
// front of its device's offline queue. Caller holds Server.mu; reports
// whether the device must be saved.
func (s *Server) requeueUnackedLocked(c *conn) bool {
	if c.dev == nil || len(c.unacked) == 0 {
		return false
	}
	acc := s.accounts[c.dev.Phone]
	if acc == nil || acc.devices[c.dev.ID] != c.dev {
		return false
	}
	raws := make([][]byte, 0, len(c.unacked)+len(c.dev.Offline))
	for _, u := range c.unacked {
		raws = append(raws, u.raw)
	}
	c.dev.Offline = append(raws, c.dev.Offline...)
	if over := len(c.dev.Offline) - maxOffline; over > 0 {
		c.dev.Offline = c.dev.Offline[over:]
	}
	c.unacked = nil
	return true
}
