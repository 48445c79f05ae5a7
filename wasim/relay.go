package wasim

import (
	"strconv"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// handleMessage acks a sent message (send.go waits for <ack class="message"
// id t>; an error attribute becomes ErrServerReturnedError) and relays its
// per-device ciphertexts, never decrypting anything, like the real server.
func (s *Server) handleMessage(c *conn, msg *waBinary.Node) {
	id := stringAttr(msg, "id")
	to, _ := msg.Attrs["to"].(types.JID)
	ack := waBinary.Node{Tag: "ack", Attrs: waBinary.Attrs{
		"class": "message", "id": id, "t": strconv.FormatInt(s.now().Unix(), 10),
	}}
	if !to.IsEmpty() {
		ack.Attrs["from"] = to
	}
	if rule, ok := s.faults.takeFor(c.phone, to.User, "message"); ok {
		if !c.sleep(rule.Delay) {
			return
		}
		if rule.Drop {
			c.closeNow()
			return
		}
		if rule.Code != 0 {
			ack.Attrs["error"] = strconv.Itoa(rule.Code)
			_ = c.send(ack)
			return
		}
	}
	if c.dev == nil {
		ack.Attrs["error"] = "401"
		_ = c.send(ack)
		return
	}
	afterAck := s.deliverToPhones(c, msg, to)
	// Blocking is judged when the message is accepted, not when it is relayed.
	blockedBy := s.blockersOf(c.phone, to)
	_ = c.send(ack)
	defer afterAck()
	switch to.Server {
	case types.GroupServer:
		s.relayGroup(c, msg, to)
	case types.DefaultUserServer, types.HiddenUserServer:
		s.relayDirect(c, msg, to, blockedBy)
	default:
		s.log.Debug("wasim: message not relayed", "to", to)
	}
}

// senderIdentity returns the sender's phone AD JID, LID AD JID and push name.
func (s *Server) senderIdentity(c *conn) (types.JID, types.JID, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	acc := s.accounts[c.phone]
	lid := types.JID{User: acc.LID, Server: types.HiddenUserServer, Device: c.jid.Device}
	return c.jid, lid, acc.PushName
}

// participantEncs maps each addressed device to its <enc> node.
func (s *Server) participantEncs(msg *waBinary.Node) map[*device]waBinary.Node {
	out := make(map[*device]waBinary.Node)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, to := range children(msg.GetChildByTag("participants")) {
		jid, ok := to.Attrs["jid"].(types.JID)
		if to.Tag != "to" || !ok {
			continue
		}
		if dev := s.deviceForLocked(jid); dev != nil {
			out[dev] = to.GetChildByTag("enc")
		}
	}
	return out
}

// relayGroup sends every other device of every member the shared sender-key
// message, plus its own pairwise <enc> when the sender addressed it (that
// one carries the sender key distribution). The stanza is PN-addressed with
// participant_lid: the sender encrypts its sender key under its own LID and
// receivers decrypt under SenderAlt (message.go decryptMessages).
func (s *Server) relayGroup(c *conn, msg *waBinary.Node, group types.JID) {
	senderPN, senderLID, push := s.senderIdentity(c)
	encs := s.participantEncs(msg)
	var skmsg, identity *waBinary.Node
	for _, ch := range msg.GetChildren() {
		switch {
		case ch.Tag == "enc" && ch.Attrs["type"] == "skmsg":
			skmsg = &ch
		case ch.Tag == "device-identity":
			identity = &ch
		}
	}
	recipients := s.devicesOf(s.groupMembers(group))
	for dev := range encs {
		recipients = append(recipients, dev)
	}
	seen := make(map[*device]bool)
	for _, dev := range recipients {
		if seen[dev] || dev == c.dev {
			continue
		}
		seen[dev] = true
		var content []waBinary.Node
		if enc, ok := encs[dev]; ok && enc.Tag == "enc" {
			content = append(content, enc)
			if identity != nil && enc.Attrs["type"] == "pkmsg" {
				content = append(content, *identity)
			}
		}
		if skmsg != nil {
			content = append(content, *skmsg)
		}
		if len(content) == 0 {
			continue
		}
		attrs := relayAttrs(msg, s.now())
		attrs["from"] = group
		if stringAttr(msg, "addressing_mode") == string(types.AddressingModeLID) {
			// LID-addressed groups name the sender by LID, PN as the alt.
			attrs["participant"] = senderLID
			attrs["participant_pn"] = senderPN
			attrs["addressing_mode"] = string(types.AddressingModeLID)
		} else {
			attrs["participant"] = senderPN
			attrs["participant_lid"] = senderLID
			attrs["addressing_mode"] = string(types.AddressingModePN)
		}
		attrs["notify"] = push
		s.deliver(dev, waBinary.Node{Tag: "message", Attrs: attrs, Content: content})
	}
}

// relayDirect delivers a 1:1 message to each addressed device: the
// recipient's devices get it from the sender with sender_lid, the sender's
// own other devices get it with recipient=chat (a "device sent" copy).
func (s *Server) relayDirect(c *conn, msg *waBinary.Node, chat types.JID, blockedBy string) {
	senderPN, senderLID, push := s.senderIdentity(c)
	var identity *waBinary.Node
	if n, ok := msg.GetOptionalChildByTag("device-identity"); ok {
		identity = &n
	}
	for dev, enc := range s.participantEncs(msg) {
		if dev == c.dev || enc.Tag != "enc" || (blockedBy != "" && dev.Phone == blockedBy) {
			continue
		}
		content := []waBinary.Node{enc}
		if identity != nil && enc.Attrs["type"] == "pkmsg" {
			content = append(content, *identity)
		}
		attrs := relayAttrs(msg, s.now())
		attrs["notify"] = push
		if chat.Server == types.HiddenUserServer {
			attrs["from"] = senderLID
			attrs["sender_pn"] = senderPN
		} else {
			attrs["from"] = senderPN
			attrs["sender_lid"] = senderLID
		}
		if dev.Phone == c.phone {
			attrs["recipient"] = chat.ToNonAD()
		}
		s.deliver(dev, waBinary.Node{Tag: "message", Attrs: attrs, Content: content})
	}
}

// relayAttrs copies the attributes a receiver needs from the sent stanza.
func relayAttrs(msg *waBinary.Node, now timeLike) waBinary.Attrs {
	attrs := waBinary.Attrs{"t": strconv.FormatInt(now.Unix(), 10)}
	for _, k := range []string{"id", "type", "edit", "category"} {
		if v, ok := msg.Attrs[k]; ok {
			attrs[k] = v
		}
	}
	return attrs
}

type timeLike interface{ Unix() int64 }

// handleReceipt acks a receipt and forwards it: delivery, read and played
// receipts (and retry requests) to the devices of the message's sender, and
// to the sender's simulated phone's inbox; read-self and played-self only to
// the reader's own other devices (whatsmeow types/presence.go: they tell the
// user's own devices, never the sender, which is the point of turning read
// receipts off).
func (s *Server) handleReceipt(c *conn, r *waBinary.Node) {
	to, _ := r.Attrs["to"].(types.JID)
	ack := waBinary.Node{Tag: "ack", Attrs: waBinary.Attrs{"class": "receipt", "id": r.Attrs["id"]}}
	if !to.IsEmpty() {
		ack.Attrs["from"] = to
	}
	if t, ok := r.Attrs["type"]; ok {
		ack.Attrs["type"] = t
	}
	_ = c.send(ack)
	if c.dev == nil || to.IsEmpty() {
		return
	}
	s.handleClientAck(c, r) // the receipt settles the message it is for
	typ := stringAttr(r, "type")
	attrs := waBinary.Attrs{"t": strconv.FormatInt(s.now().Unix(), 10)}
	for k, v := range r.Attrs {
		if k != "to" && k != "participant" && k != "recipient" {
			attrs[k] = v
		}
	}
	content, _ := r.Content.([]waBinary.Node)
	own := types.NewJID(c.phone, types.DefaultUserServer)
	if typ == string(types.ReceiptTypeReadSelf) || typ == string(types.ReceiptTypePlayedSelf) {
		if to.Server == types.GroupServer {
			attrs["from"], attrs["participant"] = to, c.jid
		} else {
			attrs["from"], attrs["recipient"] = c.jid, to.ToNonAD()
		}
		for _, dev := range s.devicesOf([]types.JID{own}) {
			if dev != c.dev {
				s.deliver(dev, waBinary.Node{Tag: "receipt", Attrs: attrs, Content: content})
			}
		}
		s.recordPhoneReceipt(c.phone, r, to.ToNonAD(), own, typ)
		return
	}
	if typ == string(types.ReceiptTypePeerMsg) || typ == string(types.ReceiptTypeHistorySync) {
		// Acknowledgements of the phone's peer messages are for the phone only.
		s.recordPhoneReceipt(c.phone, r, own, own, typ)
		return
	}
	target := to
	if to.Server == types.GroupServer {
		p, ok := r.Attrs["participant"].(types.JID)
		if !ok {
			return
		}
		target = p
		attrs["from"] = to
		attrs["participant"] = c.jid
	} else {
		attrs["from"] = c.jid
	}
	for _, dev := range s.devicesOf([]types.JID{target.ToNonAD()}) {
		if dev != c.dev {
			s.deliver(dev, waBinary.Node{Tag: "receipt", Attrs: attrs, Content: content})
		}
	}
	if typ == "retry" && to.Server != types.GroupServer {
		s.mu.Lock()
		acc := s.accountForLocked(target)
		s.mu.Unlock()
		if acc != nil && target.Device == 0 {
			s.phoneAnswerRetry(acc.Phone, c.dev, r)
		}
	}
	if typ != "retry" {
		s.mu.Lock()
		acc := s.accountForLocked(target)
		s.mu.Unlock()
		if acc != nil {
			chat := own
			if to.Server == types.GroupServer {
				chat = to
			}
			s.recordPhoneReceipt(acc.Phone, r, chat, own, typ)
		}
	}
}

// recordPhoneReceipt files a receipt in a simulated phone's inbox.
func (s *Server) recordPhoneReceipt(number string, r *waBinary.Node, chat, from types.JID, typ string) {
	p, err := s.phoneFor(number)
	if err != nil {
		return
	}
	ids := []string{stringAttr(r, "id")}
	for _, item := range children(r.GetChildByTag("list")) {
		if id, ok := item.Attrs["id"].(string); ok && item.Tag == "item" {
			ids = append(ids, id)
		}
	}
	p.recordReceipt(InboxReceipt{IDs: ids, Chat: chat, From: from, Type: typ, Timestamp: s.now()})
}
