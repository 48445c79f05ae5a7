package wasim

import (
	"strconv"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// failure is a queued refusal of the next login (FailNextLogin).
type failure struct {
	reason int
}

// authenticate routes a fresh connection by its ClientPayload: a payload
// with a username is a login of a paired device (store/clientpayload.go
// getLoginPayload), anything else a registration that waits for pairing.
// It returns false when the connection was refused.
func (s *Server) authenticate(c *conn) bool {
	if c.payload.Username == nil {
		s.startRegistration(c)
		return true
	}
	return s.login(c)
}

// login authenticates a paired device by the noise static key it proved in
// the handshake, compared with the key recorded at pairing. Unknown or
// removed devices get <failure reason="401"/>, which makes whatsmeow emit
// LoggedOut and delete its store (connectionevents.go handleConnectFailure).
func (s *Server) login(c *conn) bool {
	phone := strconv.FormatUint(c.payload.GetUsername(), 10)
	devID := uint16(c.payload.GetDevice())
	jid := types.JID{User: phone, Server: types.DefaultUserServer, Device: devID}

	s.mu.Lock()
	if f, ok := s.failLogin[phone]; ok {
		delete(s.failLogin, phone)
		s.mu.Unlock()
		s.refuse(c, f.reason)
		return false
	}
	acc := s.accounts[phone]
	var dev *device
	if acc != nil {
		dev = acc.devices[devID]
	}
	if dev == nil || [32]byte(dev.NoiseKey) != c.noisePub {
		s.mu.Unlock()
		s.log.Info("wasim: login refused: unknown device or wrong noise key", "jid", jid)
		s.refuse(c, 401)
		return false
	}
	old := dev.conn
	// Messages the replaced socket received but never acked (its process frozen, say) are the
	// new login's to get, now, with the offline queue it is about to drain, as the real
	// service redelivers what a device never acked. Left to the old socket's close, they
	// would wait for the login after this one.
	requeued := old != nil && old != c && s.requeueUnackedLocked(old)
	dev.conn = c
	c.dev, c.jid, c.phone, c.label = dev, jid, phone, jid.String()
	s.noteLoginLocked(dev, old, c)
	lid := types.JID{User: acc.LID, Server: types.HiddenUserServer, Device: devID}
	created := acc.Created
	s.mu.Unlock()
	if requeued {
		s.saveDevice(dev.pn())
	}

	if old != nil && old != c {
		// A second login of the same device replaces the first, as on the
		// real service (whatsmeow emits StreamReplaced on the old socket).
		old.sendStreamError("", "replaced")
	}
	s.log.Debug("wasim: login", "jid", jid)
	err := c.send(waBinary.Node{Tag: "success", Attrs: waBinary.Attrs{
		"t":        strconv.FormatInt(s.now().Unix(), 10),
		"props":    "1",
		"abprops":  "1",
		"location": "sim",
		"creation": strconv.FormatInt(created, 10),
		"lid":      lid,
	}})
	if err != nil {
		return true
	}
	// Stanzas that arrived while the device was offline, then the marker
	// whatsmeow turns into events.OfflineSyncCompleted.
	delivered, ok := s.flushOffline(c, dev)
	if !ok {
		return true
	}
	_ = c.send(waBinary.Node{Tag: "ib", Content: []waBinary.Node{{
		Tag: "offline", Attrs: waBinary.Attrs{"count": strconv.Itoa(delivered)},
	}}})
	return true
}

// flushOffline sends the offline queue until it is empty and then marks the
// connection ready for live deliveries, under the same lock deliver uses.
func (s *Server) flushOffline(c *conn, dev *device) (int, bool) {
	delivered := 0
	for {
		s.mu.Lock()
		queued := dev.Offline
		dev.Offline = nil
		if len(queued) == 0 {
			c.ready = true
			s.mu.Unlock()
			if delivered > 0 {
				s.saveDevice(dev.pn())
			}
			return delivered, true
		}
		s.mu.Unlock()
		for i, raw := range queued {
			node, err := decodeStanza(raw)
			if err != nil {
				s.log.Warn("wasim: dropping undecodable queued stanza", "err", err)
				continue
			}
			s.mu.Lock()
			c.trackLocked(*node)
			s.mu.Unlock()
			if err := c.send(*node); err != nil {
				s.untrack(c, *node)
				s.requeue(dev, queued[i:])
				return delivered, false
			}
			delivered++
		}
	}
}

func (s *Server) refuse(c *conn, reason int) {
	attrs := waBinary.Attrs{"reason": strconv.Itoa(reason)}
	if reason == 402 {
		// A temporary ban carries a ban code and a duration in seconds
		// (events.TemporaryBan); 101 is "sent to too many people".
		attrs["code"] = "101"
		attrs["expire"] = "3600"
	}
	if err := c.send(waBinary.Node{Tag: "failure", Attrs: attrs}); err != nil {
		c.closeNow()
		return
	}
	c.closeSoon()
}

// connClosed forgets a connection: the device becomes offline and an
// unpaired connection can no longer be paired.
func (s *Server) connClosed(c *conn) {
	s.mu.Lock()
	save := s.requeueUnackedLocked(c)
	defer func() {
		s.mu.Unlock()
		if save {
			s.saveDevice(c.dev.pn())
		}
	}()
	delete(s.conns, c)
	if c.dev != nil && c.dev.conn == c {
		c.dev.conn = nil
	}
	if s.pending[c.noisePub] == c {
		delete(s.pending, c.noisePub)
	}
	for phone, cs := range s.codes {
		if cs.conn == c {
			delete(s.codes, phone)
		}
	}
}

// FailNextLogin makes the next login of any device of phone fail with
// <failure reason=…/>: 401 logs the device out, 402 is a temporary ban,
// 405 "client outdated", 503 a retryable outage.
func (s *Server) FailNextLogin(phone string, reason int) {
	s.mu.Lock()
	s.failLogin[phone] = failure{reason: reason}
	s.mu.Unlock()
}

// RemoveDevice unlinks a companion device from the phone side. An online
// device receives <stream:error code="401"><conflict type="device_removed"/>
// (whatsmeow: LoggedOut and store deletion); later logins are refused.
func (s *Server) RemoveDevice(deviceJID types.JID) error {
	c, err := s.removeDevice(deviceJID)
	if err != nil {
		return err
	}
	if c != nil {
		c.sendStreamError("401", "device_removed")
	}
	return nil
}

func (s *Server) removeDevice(jid types.JID) (*conn, error) {
	s.mu.Lock()
	dev := s.deviceForLocked(jid)
	if dev == nil {
		s.mu.Unlock()
		return nil, ErrUnknownDevice
	}
	acc := s.accounts[dev.Phone]
	delete(acc.devices, dev.ID)
	c := dev.conn
	s.mu.Unlock()
	s.deleteDevice(dev.pn())
	s.log.Info("wasim: device removed", "jid", dev.pn())
	s.notifyDeviceChange(dev.Phone, dev.pn(), "remove")
	return c, nil
}

// PushStreamError sends a stream error to an online device, e.g. code "515"
// (reconnect), "503", or conflictType "replaced".
func (s *Server) PushStreamError(deviceJID types.JID, code, conflictType string) error {
	c := s.onlineConn(deviceJID)
	if c == nil {
		return ErrUnknownDevice
	}
	c.sendStreamError(code, conflictType)
	return nil
}

// DropConnection closes a device's socket without any stanza, as a network
// failure would; whatsmeow reconnects automatically.
func (s *Server) DropConnection(deviceJID types.JID) error {
	c := s.onlineConn(deviceJID)
	if c == nil {
		return ErrUnknownDevice
	}
	c.closeNow()
	return nil
}

func (s *Server) onlineConn(jid types.JID) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	dev := s.deviceForLocked(jid)
	if dev == nil {
		return nil
	}
	return dev.conn
}

// handleRemoveCompanion serves whatsmeow's Logout: <iq xmlns="md">
// <remove-companion-device jid=OWN reason="user_initiated"/> (client.go
// Logout). The device is forgotten; the client disconnects by itself.
func (s *Server) handleRemoveCompanion(c *conn, iq *waBinary.Node, child waBinary.Node) waBinary.Node {
	target, ok := child.Attrs["jid"].(types.JID)
	if !ok || c.dev == nil || target.User != c.phone {
		return iqError(iq, 403, "forbidden")
	}
	if _, err := s.removeDevice(target); err != nil {
		return iqError(iq, 404, "item-not-found")
	}
	return iqResult(iq)
}
