package wasim

import (
	"context"
	"encoding/binary"

	"go.mau.fi/libsignal/ecc"
	"go.mau.fi/libsignal/keys/identity"
	"go.mau.fi/libsignal/keys/prekey"
	"go.mau.fi/libsignal/session"
	"go.mau.fi/libsignal/util/optional"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waE2E"
)

// maxSentKept bounds how many pairwise sends a phone keeps for re-sending.
const maxSentKept = 1000

// sentCopy is one pairwise message a phone sent to one companion, kept so
// it can be re-sent when that companion answers with a retry receipt.
type sentCopy struct {
	plaintext []byte
	attrs     waBinary.Attrs
	msg       *waE2E.Message
	target    companion
}

func sentKey(id any, dev *device) string { return ackKey(id, dev.pn()) }

// rememberSent keeps a pairwise send for a possible retry.
func (p *phone) rememberSent(target companion, plaintext []byte, attrs waBinary.Attrs, m *waE2E.Message) {
	p.inboxMu.Lock()
	defer p.inboxMu.Unlock()
	if p.sent == nil {
		p.sent = make(map[string]sentCopy)
	}
	key := sentKey(attrs["id"], target.dev)
	if _, ok := p.sent[key]; !ok {
		p.sentOrder = append(p.sentOrder, key)
	}
	p.sent[key] = sentCopy{plaintext: plaintext, attrs: attrs, msg: m, target: target}
	for len(p.sentOrder) > maxSentKept {
		delete(p.sent, p.sentOrder[0])
		p.sentOrder = p.sentOrder[1:]
	}
}

// phoneAnswerRetry re-sends a message a companion could not decrypt, as a
// real phone does (whatsmeow retry.go sendRetryReceipt on the other side):
// with the bundle from the receipt's <keys> it starts a new session first.
func (s *Server) phoneAnswerRetry(number string, from *device, r *waBinary.Node) {
	p, err := s.phoneFor(number)
	if err != nil {
		return
	}
	p.inboxMu.Lock()
	sc, ok := p.sent[sentKey(r.Attrs["id"], from)]
	p.inboxMu.Unlock()
	if !ok {
		return
	}
	ctx := context.Background()
	addr := sc.target.lid.SignalAddress()
	builder := session.NewBuilderFromSignal(p.dev, addr, signalSerializer)
	p.mu.Lock()
	if keys, ok := r.GetOptionalChildByTag("keys"); ok {
		if b := retryBundle(r, keys, uint32(from.ID)); b != nil {
			if err := builder.ProcessBundle(ctx, b); err != nil {
				s.log.Info("wasim: phone cannot use retry bundle", "phone", number, "err", err)
			}
		}
	}
	ct, err := session.NewCipher(builder, addr).Encrypt(ctx, pad(sc.plaintext))
	p.mu.Unlock()
	s.savePhone(p)
	if err != nil {
		s.log.Info("wasim: phone cannot re-encrypt for retry", "phone", number, "err", err)
		return
	}
	typ := "msg"
	if ct.Type() == 3 { // protocol.PREKEY_TYPE
		typ = "pkmsg"
	}
	enc := waBinary.Node{Tag: "enc", Attrs: encAttrs(typ, sc.msg), Content: ct.Serialize()}
	enc.Attrs["count"] = r.GetChildByTag("retry").Attrs["count"]
	s.deliver(from, waBinary.Node{Tag: "message", Attrs: copyAttrsWith(sc.attrs), Content: []waBinary.Node{enc}})
}

// retryBundle reads the bundle a retry receipt carries (prekeys.go
// nodeToPreKeyBundle's layout: registration beside <keys>, the rest inside).
func retryBundle(r *waBinary.Node, keys waBinary.Node, deviceID uint32) *prekey.Bundle {
	reg, _ := r.GetChildByTag("registration").Content.([]byte)
	ident, _ := keys.GetChildByTag("identity").Content.([]byte)
	sid, spub, ok := parseKeyNode(keys.GetChildByTag("skey"))
	sig, _ := keys.GetChildByTag("skey", "signature").Content.([]byte)
	if len(reg) != 4 || len(ident) != 32 || !ok || len(sig) != 64 {
		return nil
	}
	identityKey := identity.NewKey(ecc.NewDjbECPublicKey([32]byte(ident)))
	if oid, opub, ok := parseKeyNode(keys.GetChildByTag("key")); ok {
		return prekey.NewBundle(binary.BigEndian.Uint32(reg), deviceID, optional.NewOptionalUint32(oid), sid,
			ecc.NewDjbECPublicKey([32]byte(opub)), ecc.NewDjbECPublicKey([32]byte(spub)), [64]byte(sig), identityKey)
	}
	return prekey.NewBundle(binary.BigEndian.Uint32(reg), deviceID, optional.NewEmptyUint32(), sid,
		nil, ecc.NewDjbECPublicKey([32]byte(spub)), [64]byte(sig), identityKey)
}
