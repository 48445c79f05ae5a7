package wasim

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.mau.fi/libsignal/groups"
	"go.mau.fi/libsignal/protocol"
	"go.mau.fi/libsignal/session"
	"google.golang.org/protobuf/proto"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
)

var signalSerializer = store.SignalProtobufSerializer

// sender names the device a message came from.
type sender struct {
	phone  string
	lid    string
	device uint16
	push   string
}

func (s sender) pn() types.JID { return types.NewJID(s.phone, types.DefaultUserServer) }

// signalAddress is the name under which a receiving phone keeps its session
// (and sender keys) with this device.
func (s sender) signalAddress() *protocol.SignalAddress {
	return signalAddressOf(s.lid, s.device).SignalAddress()
}

// phoneDelivery is what one message stanza carries for one simulated phone:
// its own pairwise <enc> (if it was addressed) and the group's shared skmsg.
type phoneDelivery struct {
	from  sender
	id    string
	chat  types.JID // the DM peer as the sender addressed it, or the group
	ts    time.Time
	enc   *waBinary.Node
	skmsg *waBinary.Node
}

// deliverToPhones hands a client's message to the simulated phones it is
// addressed to (device 0 of any account, in a DM; every member phone, in a
// group). It runs before the message is acked: a client sends its next
// message only after the ack, so this keeps each phone's Signal sessions in
// send order. The returned func sends the phones' receipts; call it after
// the ack, as the real service orders them.
func (s *Server) deliverToPhones(c *conn, msg *waBinary.Node, to types.JID) func() {
	from := s.senderOf(c)
	d := phoneDelivery{from: from, id: stringAttr(msg, "id"), chat: to.ToNonAD(), ts: s.now()}
	targets := make(map[string]*waBinary.Node) // phone → pairwise enc (nil: skmsg only)
	for _, t := range children(msg.GetChildByTag("participants")) {
		jid, ok := t.Attrs["jid"].(types.JID)
		if t.Tag != "to" || !ok || jid.Device != 0 {
			continue
		}
		s.mu.Lock()
		acc := s.accountForLocked(jid)
		s.mu.Unlock()
		if acc != nil {
			enc := t.GetChildByTag("enc")
			targets[acc.Phone] = &enc
		}
	}
	if enc, ok := msg.GetOptionalChildByTag("enc"); ok && enc.Attrs["type"] != "skmsg" {
		// One top-level <enc> for one device: a companion's protocol message
		// to its own phone (SendPeerMessage), or a re-send answering a retry
		// receipt (retry.go: to=the chat, participant=the device in groups).
		dest := to
		if p, ok := msg.Attrs["participant"].(types.JID); ok && to.Server == types.GroupServer {
			dest = p
		}
		if dest.Device == 0 && dest.Server != types.GroupServer {
			s.mu.Lock()
			acc := s.accountForLocked(dest)
			s.mu.Unlock()
			if acc != nil {
				targets[acc.Phone] = &enc
			}
		}
	}
	if to.Server == types.GroupServer {
		for _, ch := range msg.GetChildren() {
			if ch.Tag == "enc" && ch.Attrs["type"] == "skmsg" {
				d.skmsg = &ch
			}
		}
		s.mu.Lock()
		for _, m := range s.groupMembers(to) {
			if acc := s.accountForLocked(m); acc != nil {
				if _, ok := targets[acc.Phone]; !ok {
					targets[acc.Phone] = nil
				}
			}
		}
		s.mu.Unlock()
	}
	var receipts []func()
	for number, enc := range targets {
		if to.Server != types.GroupServer && number != c.phone && s.IsBlocked(number, from.pn()) {
			continue // a user who blocked the sender gets nothing (one tick)
		}
		dd := d
		dd.enc = enc
		if r := s.receiveAtPhone(number, dd); r != nil {
			receipts = append(receipts, r)
		}
	}
	return func() {
		for _, r := range receipts {
			r()
		}
	}
}

// senderOf names the device behind a logged-in connection.
func (s *Server) senderOf(c *conn) sender {
	s.mu.Lock()
	defer s.mu.Unlock()
	acc := s.accounts[c.phone]
	return sender{phone: c.phone, lid: acc.LID, device: c.jid.Device, push: acc.PushName}
}

// receiveAtPhone decrypts a delivery at one phone, records the messages in
// its inbox and returns the receipts to send (nil when there is nothing to
// acknowledge).
func (s *Server) receiveAtPhone(number string, d phoneDelivery) func() {
	p, err := s.phoneFor(number)
	if err != nil {
		return nil
	}
	if _, ok := s.faults.take(number, "phone:undecryptable"); ok {
		// The phone lost its session with the sender, as after a reinstall.
		_ = p.st.DeleteSession(context.Background(), d.from.signalAddress().String())
	}
	msgs, err := p.decrypt(d)
	s.savePhone(p)
	if err != nil {
		s.log.Info("wasim: phone cannot decrypt", "phone", number, "id", d.id, "from", d.from.phone, "err", err)
		p.countUndecryptable()
		return func() { s.sendRetryReceipt(p, d) }
	}
	fromMe := d.from.phone == number
	var recorded []InboxMessage
	for _, m := range msgs {
		if fromMe && m.GetProtocolMessage().GetType() == waE2E.ProtocolMessage_APP_STATE_SYNC_KEY_REQUEST {
			s.answerKeyRequest(p, d.from)
			continue
		}
		chat, sender := d.chat, d.from.pn()
		if dsm := m.GetDeviceSentMessage(); dsm != nil {
			m = dsm.GetMessage()
			if dest, err := types.ParseJID(dsm.GetDestinationJID()); err == nil {
				chat = dest.ToNonAD()
			}
		} else if chat.Server != types.GroupServer && !fromMe {
			chat = sender // a DM is filed under the peer
		}
		if !hasContent(m) {
			continue
		}
		typ, text := classify(m)
		in := InboxMessage{
			ID: d.id, Chat: chat, Sender: sender, FromMe: fromMe, Timestamp: d.ts,
			Type: typ, Text: text, Message: m,
		}
		in.Media = s.fetchAttachment(m)
		if m.GetPollUpdateMessage() != nil && !fromMe {
			in.PollVote, _ = p.readVote(sender, m)
		}
		p.record(in)
		recorded = append(recorded, in)
	}
	if fromMe || len(recorded) == 0 {
		return nil
	}
	return func() {
		s.phoneReceipt(p, recorded[0], "")
		if p.autoReadOn() {
			_ = s.PhoneMarkRead(number, recorded[0].Chat, []string{d.id})
		}
	}
}

// answerKeyRequest sends the app-state key again to the companion that asked.
func (s *Server) answerKeyRequest(p *phone, from sender) {
	for _, c := range s.companionsOf(types.NewJID(p.number, types.DefaultUserServer)) {
		if c.dev.ID == from.device {
			s.goTracked(func() { s.sendKeyShare(context.Background(), p, c) })
		}
	}
}

// decrypt runs the phone's Signal stack over a delivery: the pairwise
// message first (it may carry the sender key), then the group message.
func (p *phone) decrypt(d phoneDelivery) ([]*waE2E.Message, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ctx := context.Background()
	addr := d.from.signalAddress()
	var out []*waE2E.Message
	if d.enc != nil && d.enc.Tag == "enc" {
		content, _ := d.enc.Content.([]byte)
		var plain []byte
		var err error
		cipher := session.NewCipher(session.NewBuilderFromSignal(p.dev, addr, signalSerializer), addr)
		switch d.enc.Attrs["type"] {
		case "pkmsg":
			var pk *protocol.PreKeySignalMessage
			if pk, err = protocol.NewPreKeySignalMessageFromBytes(content, signalSerializer.PreKeySignalMessage, signalSerializer.SignalMessage); err == nil {
				plain, err = cipher.DecryptMessage(ctx, pk)
			}
		case "msg":
			var sm *protocol.SignalMessage
			if sm, err = protocol.NewSignalMessageFromBytes(content, signalSerializer.SignalMessage); err == nil {
				plain, err = cipher.Decrypt(ctx, sm)
			}
		default:
			err = fmt.Errorf("unknown enc type %v", d.enc.Attrs["type"])
		}
		m, err := unmarshalPadded(plain, d.enc, err)
		if err != nil {
			return nil, err
		}
		if skdm := m.GetSenderKeyDistributionMessage(); skdm != nil && d.chat.Server == types.GroupServer {
			dist, err := protocol.NewSenderKeyDistributionMessageFromBytes(skdm.GetAxolotlSenderKeyDistributionMessage(), signalSerializer.SenderKeyDistributionMessage)
			if err != nil {
				return nil, fmt.Errorf("sender key distribution: %w", err)
			}
			name := protocol.NewSenderKeyName(d.chat.String(), addr)
			if err := groups.NewGroupSessionBuilder(p.dev, signalSerializer).Process(ctx, name, dist); err != nil {
				return nil, fmt.Errorf("sender key distribution: %w", err)
			}
		}
		out = append(out, m)
	}
	if d.skmsg != nil {
		content, _ := d.skmsg.Content.([]byte)
		name := protocol.NewSenderKeyName(d.chat.String(), addr)
		cipher := groups.NewGroupCipher(groups.NewGroupSessionBuilder(p.dev, signalSerializer), name, p.dev)
		var plain []byte
		sk, err := protocol.NewSenderKeyMessageFromBytes(content, signalSerializer.SenderKeyMessage)
		if err == nil {
			plain, err = cipher.Decrypt(ctx, sk)
		}
		m, err := unmarshalPadded(plain, d.skmsg, err)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// unmarshalPadded removes whatsmeow's random padding (v=2: 1-15 bytes of
// value n, message.go padMessage) and decodes the message.
func unmarshalPadded(plain []byte, enc *waBinary.Node, err error) (*waE2E.Message, error) {
	if err != nil {
		return nil, err
	}
	if v, _ := enc.Attrs["v"].(string); v != "3" {
		if len(plain) == 0 || int(plain[len(plain)-1]) > len(plain) || plain[len(plain)-1] == 0 {
			return nil, errors.New("bad padding")
		}
		plain = plain[:len(plain)-int(plain[len(plain)-1])]
	}
	var m waE2E.Message
	if err := proto.Unmarshal(plain, &m); err != nil {
		return nil, fmt.Errorf("decode message: %w", err)
	}
	return &m, nil
}

// phoneReceipt sends a receipt from the phone for a received message to the
// sender's devices: from=PHONE (DM) or from=GROUP participant=PHONE (group),
// as whatsmeow's parseReceipt reads them.
func (s *Server) phoneReceipt(p *phone, m InboxMessage, typ string) {
	attrs := waBinary.Attrs{"id": m.ID, "t": strconv.FormatInt(s.now().Unix(), 10)}
	own := types.NewJID(p.number, types.DefaultUserServer)
	if m.Chat.Server == types.GroupServer {
		attrs["from"] = m.Chat
		attrs["participant"] = own
	} else {
		attrs["from"] = own
	}
	if typ != "" {
		attrs["type"] = typ
	}
	for _, dev := range s.devicesOf([]types.JID{m.Sender}) {
		s.deliver(dev, waBinary.Node{Tag: "receipt", Attrs: attrs})
	}
}
