package wasim

import (
	"encoding/binary"
	"strconv"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// SetPhoneAutoRead makes a phone read (and, with read receipts on, send read
// receipts for) every message it receives from now on.
func (s *Server) SetPhoneAutoRead(number string, on bool) error {
	p, err := s.phoneFor(digitsOnly(number))
	if err != nil {
		return err
	}
	p.inboxMu.Lock()
	p.autoRead = on
	p.inboxMu.Unlock()
	return nil
}

func (p *phone) autoReadOn() bool {
	p.inboxMu.Lock()
	defer p.inboxMu.Unlock()
	return p.autoRead
}

func (p *phone) countUndecryptable() {
	p.inboxMu.Lock()
	p.undecryptable++
	p.inboxMu.Unlock()
}

// Undecryptable counts the messages a phone could not decrypt (each answered
// with a retry receipt).
func (s *Server) Undecryptable(number string) int {
	p, err := s.phoneFor(digitsOnly(number))
	if err != nil {
		return 0
	}
	p.inboxMu.Lock()
	defer p.inboxMu.Unlock()
	return p.undecryptable
}

// PhoneMarkRead plays the user opening a chat on the phone: read receipts
// for the given received messages go to their senders' devices, or, when
// the user turned read receipts off (privacy "readreceipts" = "none"),
// read-self receipts go to the user's own companions only (whatsmeow
// types/presence.go ReceiptTypeReadSelf; receipt.go MarkRead does the same
// downgrade on the client side).
func (s *Server) PhoneMarkRead(number string, chat types.JID, ids []string) error {
	return s.phoneMarkAs(number, chat, ids, types.ReceiptTypeRead)
}

// PhoneMarkPlayed is PhoneMarkRead for played voice notes and videos.
func (s *Server) PhoneMarkPlayed(number string, chat types.JID, ids []string) error {
	return s.phoneMarkAs(number, chat, ids, types.ReceiptTypePlayed)
}

// PhoneReceipt is PhoneMarkRead ("" or "read") or PhoneMarkPlayed ("played") by name, as the
// control API and the sandbox's POST /sandbox/receipts take it.
func (s *Server) PhoneReceipt(number string, chat types.JID, ids []string, typ string) error {
	switch typ {
	case "", "read":
		return s.PhoneMarkRead(number, chat, ids)
	case "played":
		return s.PhoneMarkPlayed(number, chat, ids)
	}
	return badControlRequest("type must be read or played")
}

func (s *Server) phoneMarkAs(number string, chat types.JID, ids []string, typ types.ReceiptType) error {
	number = digitsOnly(number)
	p, err := s.phoneFor(number)
	if err != nil {
		return err
	}
	chat = chat.ToNonAD()
	if s.privacyValue(number, "readreceipts") == "none" {
		typ = map[types.ReceiptType]types.ReceiptType{
			types.ReceiptTypeRead: types.ReceiptTypeReadSelf, types.ReceiptTypePlayed: types.ReceiptTypePlayedSelf,
		}[typ]
	}
	for _, id := range ids {
		m, ok := p.received(chat, id)
		if !ok || m.FromMe {
			continue
		}
		if typ == types.ReceiptTypeReadSelf || typ == types.ReceiptTypePlayedSelf {
			attrs := waBinary.Attrs{"id": id, "t": strconv.FormatInt(s.now().Unix(), 10), "type": string(typ)}
			own := types.NewJID(number, types.DefaultUserServer)
			if chat.Server == types.GroupServer {
				attrs["from"], attrs["participant"] = chat, own
			} else {
				attrs["from"], attrs["recipient"] = own, chat
			}
			for _, dev := range s.devicesOf([]types.JID{own}) {
				s.deliver(dev, waBinary.Node{Tag: "receipt", Attrs: attrs})
			}
			continue
		}
		s.phoneReceipt(p, m, string(typ))
		if sp, err := s.phoneFor(m.Sender.User); err == nil && s.isSimulatedSender(m) {
			sp.recordReceipt(InboxReceipt{IDs: []string{id}, Chat: receiptChat(chat, number),
				From: types.NewJID(number, types.DefaultUserServer), Type: string(typ), Timestamp: s.now()})
		}
	}
	return nil
}

// isSimulatedSender reports whether a received message came from another
// simulated phone (handed over, so its receipts are recorded there too).
func (s *Server) isSimulatedSender(m InboxMessage) bool { return m.viaPhone }

// sendRetryReceipt asks the sender to re-send a message the phone could not
// decrypt, with a fresh bundle (one-time prekey included) so the sender
// rebuilds the session (whatsmeow retry.go handleRetryReceipt reads
// <keys> through nodeToPreKeyBundle).
func (s *Server) sendRetryReceipt(p *phone, d phoneDelivery) {
	s.mu.Lock()
	acc := s.accounts[p.number]
	reg, ident, signedPub, sig := acc.RegID, acc.identity.Pub[:], acc.signedKeyPair.Pub[:], acc.SignedKeySig
	s.mu.Unlock()
	one := p.st.newPreKey()
	s.savePhone(p)
	regBytes := make([]byte, 4)
	binary.BigEndian.PutUint32(regBytes, reg)
	own := types.NewJID(p.number, types.DefaultUserServer)
	attrs := waBinary.Attrs{"id": d.id, "t": strconv.FormatInt(s.now().Unix(), 10), "type": "retry"}
	if d.chat.Server == types.GroupServer {
		attrs["from"], attrs["participant"] = d.chat, own
	} else {
		attrs["from"] = own
	}
	node := waBinary.Node{Tag: "receipt", Attrs: attrs, Content: []waBinary.Node{
		{Tag: "retry", Attrs: waBinary.Attrs{"count": "1", "id": d.id, "t": attrs["t"], "v": "1"}},
		{Tag: "registration", Content: regBytes},
		{Tag: "keys", Content: []waBinary.Node{
			{Tag: "type", Content: []byte{5}},
			{Tag: "identity", Content: ident},
			{Tag: "key", Content: []waBinary.Node{{Tag: "id", Content: keyID(one.ID)}, {Tag: "value", Content: one.Pub[:]}}},
			{Tag: "skey", Content: []waBinary.Node{
				{Tag: "id", Content: keyID(1)}, {Tag: "value", Content: signedPub}, {Tag: "signature", Content: sig},
			}},
		}},
	}}
	s.mu.Lock()
	dev := s.deviceForLocked(types.JID{User: d.from.phone, Server: types.DefaultUserServer, Device: d.from.device})
	s.mu.Unlock()
	if dev != nil {
		s.deliver(dev, node)
	}
}
