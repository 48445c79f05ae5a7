package wasim

import (
	"bytes"
	"encoding/binary"
	"strconv"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// handleEncrypt serves the Signal key distribution IQs (prekeys.go):
// <count/> (get), an upload (set: registration, type, identity, list, skey)
// and a bundle fetch (get: <key><user jid/>…</key>).
func (s *Server) handleEncrypt(c *conn, iq *waBinary.Node, child waBinary.Node) waBinary.Node {
	switch {
	case child.Tag == "count":
		return iqResult(iq, waBinary.Node{Tag: "count", Attrs: waBinary.Attrs{"value": strconv.Itoa(s.preKeyCount(c))}})
	case child.Tag == "key":
		return iqResult(iq, waBinary.Node{Tag: "list", Content: s.fetchBundles(child)})
	case child.Tag == "digest":
		if digest, ok := s.digestNode(c); ok {
			return iqResult(iq, digest)
		}
		return iqError(iq, 404, "")
	case iq.Attrs["type"] == "set":
		if c.dev == nil {
			return iqError(iq, 401, "not-authorized")
		}
		s.storeUpload(c.dev, iq)
		return iqResult(iq)
	}
	return iqResult(iq)
}

func (s *Server) preKeyCount(c *conn) int {
	if c.dev == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(c.dev.Bundle.PreKeys)
}

// storeUpload keeps an uploaded bundle so other clients can start Signal
// sessions with this device (the server never sees private keys).
func (s *Server) storeUpload(dev *device, iq *waBinary.Node) {
	var keys []preKey
	for _, k := range children(iq.GetChildByTag("list")) {
		if id, pub, ok := parseKeyNode(k); ok {
			keys = append(keys, preKey{ID: id, Pub: [32]byte(pub)})
		}
	}
	s.mu.Lock()
	b := &dev.Bundle
	if reg, ok := iq.GetChildByTag("registration").Content.([]byte); ok && len(reg) == 4 {
		b.RegID = binary.BigEndian.Uint32(reg)
	}
	if ident, ok := iq.GetChildByTag("identity").Content.([]byte); ok && len(ident) == 32 {
		b.Identity = bytes.Clone(ident) // not a view into the frame (see preKey)
	}
	if skey := iq.GetChildByTag("skey"); skey.Tag == "skey" {
		if id, pub, ok := parseKeyNode(skey); ok {
			b.SignedID, b.SignedPub = id, bytes.Clone(pub)
			if sig, ok := skey.GetChildByTag("signature").Content.([]byte); ok {
				b.SignedSig = bytes.Clone(sig)
			}
		}
	}
	have := make(map[uint32]bool, len(b.PreKeys))
	for _, k := range b.PreKeys {
		have[k.ID] = true
	}
	for _, k := range keys {
		if !have[k.ID] {
			b.PreKeys = append(b.PreKeys, k)
		}
	}
	first := !b.UploadedOnce
	b.UploadedOnce = true
	s.mu.Unlock()
	s.saveDevice(dev.pn())
	if first && !s.cfg.NoLinkBootstrap {
		// The phone can reach the new companion now that it has its keys.
		s.goTracked(func() { s.bootstrapCompanion(dev) })
	}
}

// fetchBundles answers one <user> per requested device: the uploaded bundle
// (consuming one one-time prekey, as the real server does), a device-0
// bundle under the phone's identity key with a one-time prekey of the
// phone's own, or a per-user <error>.
func (s *Server) fetchBundles(req waBinary.Node) []waBinary.Node {
	var out []waBinary.Node
	var changed []types.JID
	type phoneBundle struct {
		at     int // index in out
		number string
		reg    uint32
		ident  []byte
		signed []byte
		sig    []byte
	}
	var phones []phoneBundle
	s.mu.Lock()
	for _, u := range req.GetChildren() {
		jid, ok := u.Attrs["jid"].(types.JID)
		if u.Tag != "user" || !ok {
			continue
		}
		user := waBinary.Node{Tag: "user", Attrs: waBinary.Attrs{"jid": jid}}
		acc := s.accountForLocked(jid)
		switch {
		case acc == nil:
			user.Content = []waBinary.Node{notFound()}
		case jid.Device == 0:
			// Filled below, outside the lock: the phone mints the one-time prekey.
			phones = append(phones, phoneBundle{at: len(out), number: acc.Phone, reg: acc.RegID,
				ident: acc.identity.Pub[:], signed: acc.signedKeyPair.Pub[:], sig: acc.SignedKeySig})
		default:
			dev := acc.devices[jid.Device]
			if dev == nil || len(dev.Bundle.SignedPub) != 32 || len(dev.Bundle.Identity) != 32 {
				user.Content = []waBinary.Node{notFound()}
				break
			}
			b := &dev.Bundle
			var one *preKey
			if len(b.PreKeys) > 0 {
				one = &b.PreKeys[0]
				b.PreKeys = b.PreKeys[1:]
				changed = append(changed, dev.pn())
			}
			user.Content = bundleNodes(b.RegID, b.Identity, b.SignedID, b.SignedPub, b.SignedSig, one)
		}
		out = append(out, user)
	}
	s.mu.Unlock()
	for _, jid := range changed {
		s.saveDevice(jid)
	}
	for _, b := range phones {
		// A real phone keeps a stock of one-time prekeys on the server and each fetch takes
		// one; this phone mints one per fetch (and keeps its private half until a pkmsg uses
		// it), which a sender cannot tell apart. Without the phone's Signal state the bundle
		// goes out with the signed prekey alone.
		var one *preKey
		if p, err := s.phoneFor(b.number); err == nil {
			k := p.st.newPreKey()
			s.savePhone(p)
			one = &k
		}
		out[b.at].Content = bundleNodes(b.reg, b.ident, 1, b.signed, b.sig, one)
	}
	return out
}

func notFound() waBinary.Node {
	return waBinary.Node{Tag: "error", Attrs: waBinary.Attrs{"code": "404", "text": "item-not-found"}}
}

func bundleNodes(regID uint32, identity []byte, signedID uint32, signedPub, signedSig []byte, one *preKey) []waBinary.Node {
	reg := make([]byte, 4)
	binary.BigEndian.PutUint32(reg, regID)
	nodes := []waBinary.Node{
		{Tag: "registration", Content: reg},
		{Tag: "type", Content: []byte{5}}, // ecc.DjbType
		{Tag: "identity", Content: identity},
		{Tag: "skey", Content: []waBinary.Node{
			{Tag: "id", Content: keyID(signedID)},
			{Tag: "value", Content: signedPub},
			{Tag: "signature", Content: signedSig},
		}},
	}
	if one != nil {
		nodes = append(nodes, waBinary.Node{Tag: "key", Content: []waBinary.Node{
			{Tag: "id", Content: keyID(one.ID)},
			{Tag: "value", Content: one.Pub[:]},
		}})
	}
	return nodes
}

// keyID encodes a prekey ID as the 3 big-endian bytes whatsmeow expects.
func keyID(id uint32) []byte {
	return []byte{byte(id >> 16), byte(id >> 8), byte(id)}
}

func parseKeyNode(n waBinary.Node) (uint32, []byte, bool) {
	id, ok1 := n.GetChildByTag("id").Content.([]byte)
	pub, ok2 := n.GetChildByTag("value").Content.([]byte)
	if !ok1 || !ok2 || len(id) != 3 || len(pub) != 32 {
		return 0, nil, false
	}
	return uint32(id[0])<<16 | uint32(id[1])<<8 | uint32(id[2]), pub, true
}
