package wasim

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.mau.fi/libsignal/ecc"
	"go.mau.fi/libsignal/groups"
	"go.mau.fi/libsignal/keys/identity"
	"go.mau.fi/libsignal/keys/prekey"
	"go.mau.fi/libsignal/protocol"
	"go.mau.fi/libsignal/session"
	"go.mau.fi/libsignal/util/optional"
	"google.golang.org/protobuf/proto"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
)

// ErrNotMember is returned when a phone sends to a group it is not in.
var ErrNotMember = errors.New("wasim: phone is not a member of the group")

// companion is a linked device a phone encrypts to.
type companion struct {
	dev *device
	lid types.JID // LID AD JID, the phone's session address for it
}

// PhoneSendText sends a text message from a simulated phone (see PhoneSend).
func (s *Server) PhoneSendText(ctx context.Context, from string, to types.JID, text string) (string, error) {
	return s.PhoneSend(ctx, from, to, &waE2E.Message{Conversation: proto.String(text)})
}

// PhoneSend sends a message from a simulated phone to a user (phone or LID
// JID) or a group, as the phone's WhatsApp would: encrypted with the phone's
// Signal stack for every companion device of the recipients (pkmsg after an
// X3DH against the device's uploaded bundle, msg afterwards; in groups a
// sender key distributed pairwise plus one skmsg), a DeviceSentMessage copy
// for the phone's own companions, and plaintext hand-over to recipient
// phones (simulated phones need no wire format between them). It returns the
// message id.
func (s *Server) PhoneSend(ctx context.Context, from string, to types.JID, m *waE2E.Message) (string, error) {
	from = digitsOnly(from)
	p, err := s.phoneFor(from)
	if err != nil {
		return "", err
	}
	plaintext, err := proto.Marshal(m)
	if err != nil {
		return "", err
	}
	id := newMessageID()
	p.rememberPoll(id, m)
	me := s.phoneSender(from)
	if to.Server == types.GroupServer {
		return id, s.phoneSendGroup(ctx, p, me, to, id, m, plaintext)
	}
	s.mu.Lock()
	peer := s.accountForLocked(to)
	s.mu.Unlock()
	if peer == nil {
		return "", ErrUnknownPhone
	}
	chat := peer.pn()
	dsm, err := proto.Marshal(&waE2E.Message{DeviceSentMessage: &waE2E.DeviceSentMessage{
		DestinationJID: proto.String(chat.String()), Message: m,
	}})
	if err != nil {
		return "", err
	}
	attrs := s.messageAttrs(id, m, me)
	attrs["from"] = me.pn()
	attrs["sender_lid"] = types.NewJID(me.lid, types.HiddenUserServer)
	for _, target := range s.companionsOf(chat) {
		s.sendEncrypted(ctx, p, target, plaintext, attrs, m, nil)
	}
	ownAttrs := copyAttrsWith(attrs, "recipient", chat)
	for _, target := range s.companionsOf(me.pn()) {
		s.sendEncrypted(ctx, p, target, dsm, ownAttrs, m, nil)
	}
	if peer.Phone != from {
		s.handOver(peer.Phone, me, chat, id, m)
	}
	return id, nil
}

// phoneSendGroup distributes the phone's sender key to every member device
// that has not had it yet, then sends one skmsg to all.
func (s *Server) phoneSendGroup(ctx context.Context, p *phone, me sender, group types.JID, id string, m *waE2E.Message, plaintext []byte) error {
	members := s.groupMembers(group)
	isMember := false
	for _, u := range members {
		if u.User == me.phone || u.User == me.lid {
			isMember = true
		}
	}
	if !isMember {
		return ErrNotMember
	}
	name := protocol.NewSenderKeyName(group.String(), types.NewJID(me.lid, types.HiddenUserServer).SignalAddress())
	p.mu.Lock()
	builder := groups.NewGroupSessionBuilder(p.dev, signalSerializer)
	dist, err := builder.Create(ctx, name)
	var skmsg []byte
	if err == nil {
		var ct protocol.GroupCiphertextMessage
		ct, err = groups.NewGroupCipher(builder, name, p.dev).Encrypt(ctx, pad(plaintext))
		if err == nil {
			skmsg = ct.SignedSerialize()
		}
	}
	p.mu.Unlock()
	s.savePhone(p)
	if err != nil {
		return fmt.Errorf("wasim: group encrypt: %w", err)
	}
	skdm, err := proto.Marshal(&waE2E.Message{SenderKeyDistributionMessage: &waE2E.SenderKeyDistributionMessage{
		GroupID: proto.String(group.String()), AxolotlSenderKeyDistributionMessage: dist.Serialize(),
	}})
	if err != nil {
		return err
	}
	attrs := s.messageAttrs(id, m, me)
	attrs["from"] = group
	attrs["participant"] = me.pn()
	attrs["participant_lid"] = types.NewJID(me.lid, types.HiddenUserServer)
	attrs["addressing_mode"] = string(types.AddressingModePN)
	shared := waBinary.Node{Tag: "enc", Attrs: encAttrs("skmsg", m), Content: skmsg}
	for _, target := range s.companionsOf(append(members, me.pn())...) {
		var dist []byte
		if p.needsSenderKey(group, target.lid) {
			dist = skdm
		}
		s.sendEncrypted(ctx, p, target, dist, attrs, m, &shared)
	}
	for _, u := range members {
		s.mu.Lock()
		acc := s.accountForLocked(u)
		s.mu.Unlock()
		if acc != nil && acc.Phone != me.phone {
			s.handOver(acc.Phone, me, group, id, m)
		}
	}
	return nil
}

// needsSenderKey reports (and remembers) whether a device still needs the
// phone's sender key for a group. Kept in memory: after a restart the phone
// sends it once more, which receivers accept.
func (p *phone) needsSenderKey(group types.JID, dev types.JID) bool {
	p.inboxMu.Lock()
	defer p.inboxMu.Unlock()
	if p.skdmSent == nil {
		p.skdmSent = make(map[string]bool)
	}
	key := group.String() + "|" + dev.String()
	if p.skdmSent[key] {
		return false
	}
	p.skdmSent[key] = true
	return true
}

// sendEncrypted encrypts plaintext (if any) for one companion and delivers
// the stanza, with the shared skmsg appended in groups.
func (s *Server) sendEncrypted(ctx context.Context, p *phone, target companion, plaintext []byte, attrs waBinary.Attrs, m *waE2E.Message, shared *waBinary.Node) {
	var content []waBinary.Node
	if plaintext != nil {
		if shared == nil { // pairwise only: a group's sender key message cannot be redone here
			p.rememberSent(target, plaintext, attrs, m)
		}
		enc, err := s.encryptForCompanion(ctx, p, target, plaintext, m)
		if err != nil {
			s.log.Warn("wasim: phone cannot encrypt", "phone", p.number, "to", target.dev.pn(), "err", err)
		} else {
			content = append(content, enc)
		}
	}
	if shared != nil {
		content = append(content, *shared)
	}
	if len(content) == 0 {
		return
	}
	node := waBinary.Node{Tag: "message", Attrs: copyAttrsWith(attrs), Content: content}
	s.deliver(target.dev, node)
}

// encryptForCompanion runs the pairwise session: an X3DH against the
// device's uploaded bundle when there is no session yet.
func (s *Server) encryptForCompanion(ctx context.Context, p *phone, target companion, plaintext []byte, m *waE2E.Message) (waBinary.Node, error) {
	addr := target.lid.SignalAddress()
	p.mu.Lock()
	defer func() {
		p.mu.Unlock()
		s.savePhone(p)
	}()
	builder := session.NewBuilderFromSignal(p.dev, addr, signalSerializer)
	has, err := p.dev.ContainsSession(ctx, addr)
	if err != nil {
		return waBinary.Node{}, err
	}
	if !has {
		b, ok := s.takeBundle(target.dev)
		if !ok {
			return waBinary.Node{}, errors.New("device has no uploaded bundle")
		}
		if err := builder.ProcessBundle(ctx, b); err != nil {
			return waBinary.Node{}, fmt.Errorf("process bundle: %w", err)
		}
	}
	ct, err := session.NewCipher(builder, addr).Encrypt(ctx, pad(plaintext))
	if err != nil {
		return waBinary.Node{}, err
	}
	typ := "msg"
	if ct.Type() == protocol.PREKEY_TYPE {
		typ = "pkmsg"
	}
	return waBinary.Node{Tag: "enc", Attrs: encAttrs(typ, m), Content: ct.Serialize()}, nil
}

// takeBundle builds a libsignal bundle from a device's upload, consuming one
// one-time prekey as a bundle fetch does.
func (s *Server) takeBundle(dev *device) (*prekey.Bundle, bool) {
	s.mu.Lock()
	b := dev.Bundle
	if len(b.SignedPub) != 32 || len(b.Identity) != 32 || len(b.SignedSig) != 64 {
		s.mu.Unlock()
		return nil, false
	}
	var one *preKey
	if len(dev.Bundle.PreKeys) > 0 {
		k := dev.Bundle.PreKeys[0]
		one = &k
		dev.Bundle.PreKeys = dev.Bundle.PreKeys[1:]
	}
	s.mu.Unlock()
	if one != nil {
		s.saveDevice(dev.pn())
	}
	ident := identity.NewKey(ecc.NewDjbECPublicKey([32]byte(b.Identity)))
	signed := ecc.NewDjbECPublicKey([32]byte(b.SignedPub))
	if one == nil {
		return prekey.NewBundle(b.RegID, uint32(dev.ID), optional.NewEmptyUint32(), b.SignedID,
			nil, signed, [64]byte(b.SignedSig), ident), true
	}
	return prekey.NewBundle(b.RegID, uint32(dev.ID), optional.NewOptionalUint32(one.ID), b.SignedID,
		ecc.NewDjbECPublicKey(one.Pub), signed, [64]byte(b.SignedSig), ident), true
}

// companionsOf lists the linked devices of users with their LID addresses.
func (s *Server) companionsOf(users ...types.JID) []companion {
	devs := s.devicesOf(users)
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]companion, 0, len(devs))
	for _, d := range devs {
		acc := s.accounts[d.Phone]
		if acc == nil {
			continue
		}
		out = append(out, companion{dev: d, lid: signalAddressOf(acc.LID, d.ID)})
	}
	return out
}

// handOver gives a message from one simulated phone to another directly.
func (s *Server) handOver(number string, from sender, chat types.JID, id string, m *waE2E.Message) {
	p, err := s.phoneFor(number)
	if err != nil {
		return
	}
	if chat.Server != types.GroupServer {
		chat = from.pn()
	}
	typ, text := classify(m)
	in := InboxMessage{ID: id, Chat: chat, Sender: from.pn(), Timestamp: s.now(), Type: typ, Text: text, Message: m, viaPhone: true}
	in.Media = s.fetchAttachment(m)
	p.record(in)
	if sp, err := s.phoneFor(from.phone); err == nil {
		sp.recordReceipt(InboxReceipt{IDs: []string{id}, Chat: receiptChat(chat, number), From: types.NewJID(number, types.DefaultUserServer), Timestamp: s.now()})
	}
}

// receiptChat is the chat of a receipt as its recipient files it: the group,
// or in a DM the user who sent the receipt.
func receiptChat(chat types.JID, receiptSender string) types.JID {
	if chat.Server == types.GroupServer {
		return chat
	}
	return types.NewJID(receiptSender, types.DefaultUserServer)
}

func (s *Server) phoneSender(number string) sender {
	s.mu.Lock()
	defer s.mu.Unlock()
	acc := s.accounts[number]
	return sender{phone: number, lid: acc.LID, push: acc.PushName}
}

// messageAttrs are the attributes every copy of a phone's message carries.
func (s *Server) messageAttrs(id string, m *waE2E.Message, me sender) waBinary.Attrs {
	typ := "text"
	if mediaType(m) != "" {
		typ = "media"
	}
	switch {
	case m.GetReactionMessage() != nil:
		typ = "reaction"
	case m.GetPollCreationMessage() != nil || m.GetPollCreationMessageV3() != nil || m.GetPollUpdateMessage() != nil:
		typ = "poll"
	}
	attrs := waBinary.Attrs{"id": id, "t": strconv.FormatInt(s.now().Unix(), 10), "type": typ, "notify": me.push}
	// The edit attribute whatsmeow sets for edits and revokes (send.go
	// getEditAttribute; types.EditAttribute).
	switch m.GetProtocolMessage().GetType() {
	case waE2E.ProtocolMessage_MESSAGE_EDIT:
		attrs["edit"] = string(types.EditAttributeMessageEdit)
	case waE2E.ProtocolMessage_REVOKE:
		attrs["edit"] = string(types.EditAttributeSenderRevoke)
	}
	return attrs
}

func encAttrs(typ string, m *waE2E.Message) waBinary.Attrs {
	attrs := waBinary.Attrs{"v": "2", "type": typ}
	if mt := mediaType(m); mt != "" {
		attrs["mediatype"] = mt
	}
	return attrs
}

// mediaType is the enc mediatype attribute whatsmeow sets (send.go getMediaTypeFromMessage).
func mediaType(m *waE2E.Message) string {
	switch {
	case m.GetImageMessage() != nil:
		return "image"
	case m.GetStickerMessage() != nil:
		return "sticker"
	case m.GetDocumentMessage() != nil:
		return "document"
	case m.GetAudioMessage() != nil:
		if m.GetAudioMessage().GetPTT() {
			return "ptt"
		}
		return "audio"
	case m.GetVideoMessage() != nil:
		return "video"
	case m.GetLocationMessage() != nil:
		return "location"
	case m.GetContactMessage() != nil:
		return "vcard"
	}
	return ""
}

func copyAttrsWith(a waBinary.Attrs, kv ...any) waBinary.Attrs {
	out := make(waBinary.Attrs, len(a)+len(kv)/2)
	for k, v := range a {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// pad appends whatsmeow's 1-15 bytes of padding (message.go padMessage).
func pad(plaintext []byte) []byte {
	var b [1]byte
	_, _ = rand.Read(b[:])
	n := b[0] & 0xf
	if n == 0 {
		n = 0xf
	}
	out := make([]byte, len(plaintext), len(plaintext)+int(n))
	copy(out, plaintext)
	for range n {
		out = append(out, n)
	}
	return out
}

// newMessageID makes an id shaped like a phone's (3A + 18 hex digits).
func newMessageID() string {
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	return "3A" + strings.ToUpper(hex.EncodeToString(b))
}
