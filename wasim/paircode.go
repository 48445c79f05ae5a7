package wasim

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/crypto/curve25519"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/hkdfutil"
	"go.mau.fi/whatsmeow/util/keys"
)

// linkCodeIterations is the PBKDF2 cost whatsmeow uses to wrap ephemeral
// keys with the 8-character code (pair-code.go: 2<<16).
const linkCodeIterations = 2 << 16

// displayPattern is the "Browser (OS)" shape PairPhone documents; the real
// server answers 400 to anything else.
var displayPattern = regexp.MustCompile(`^[^()]+ \([^()]+\)$`)

// codeSession is a pairing-code registration waiting for the phone.
type codeSession struct {
	conn       *conn
	ref        string
	wrappedEph []byte
	finish     chan codeFinish
}

type codeFinish struct {
	wrappedBundle     []byte
	companionIdentity []byte
}

// handleLinkCode serves <iq xmlns="md"><link_code_companion_reg stage=…>.
func (s *Server) handleLinkCode(c *conn, iq *waBinary.Node, child waBinary.Node) waBinary.Node {
	jid, _ := child.Attrs["jid"].(types.JID)
	switch stage, _ := child.Attrs["stage"].(string); stage {
	case "companion_hello":
		return s.companionHello(c, iq, child, jid)
	case "companion_finish":
		return s.companionFinish(iq, child, jid)
	default:
		return iqError(iq, 400, "bad-request")
	}
}

func (s *Server) companionHello(c *conn, iq *waBinary.Node, child waBinary.Node, jid types.JID) waBinary.Node {
	wrapped, _ := child.GetChildByTag("link_code_pairing_wrapped_companion_ephemeral_pub").Content.([]byte)
	display := contentString(child.GetChildByTag("companion_platform_display"))
	if c.dev != nil || jid.User == "" || len(wrapped) != 80 || !displayPattern.MatchString(display) {
		return iqError(iq, 400, "bad-request")
	}
	cs := &codeSession{
		conn:       c,
		ref:        randomToken(24),
		wrappedEph: wrapped,
		finish:     make(chan codeFinish, 1),
	}
	s.mu.Lock()
	s.codes[jid.User] = cs
	s.mu.Unlock()
	return iqResult(iq, waBinary.Node{Tag: "link_code_companion_reg", Content: []waBinary.Node{
		{Tag: "link_code_pairing_ref", Content: []byte(cs.ref)},
	}})
}

func (s *Server) companionFinish(iq *waBinary.Node, child waBinary.Node, jid types.JID) waBinary.Node {
	ref := contentString(child.GetChildByTag("link_code_pairing_ref"))
	s.mu.Lock()
	cs := s.codes[jid.User]
	s.mu.Unlock()
	if cs == nil || cs.ref != ref {
		return iqError(iq, 404, "item-not-found")
	}
	bundle, _ := child.GetChildByTag("link_code_pairing_wrapped_key_bundle").Content.([]byte)
	identity, _ := child.GetChildByTag("companion_identity_public").Content.([]byte)
	select {
	case cs.finish <- codeFinish{wrappedBundle: bundle, companionIdentity: identity}:
	default:
	}
	return iqResult(iq)
}

// EnterPairCode plays the phone typing the code PairPhone displayed. The
// phone account is registered if it does not exist yet. It returns the new
// device's JID after the same pair-success exchange as ScanQR.
func (s *Server) EnterPairCode(ctx context.Context, phone, code string) (types.JID, error) {
	phone = digitsOnly(phone)
	code = strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(code))
	if len(code) != 8 {
		return types.EmptyJID, fmt.Errorf("wasim: pairing code must have 8 characters, got %q", code)
	}
	s.mu.Lock()
	cs := s.codes[phone]
	if cs == nil {
		s.mu.Unlock()
		return types.EmptyJID, ErrNoPendingPairing
	}
	acc, err := s.registerLocked(phone, "")
	phoneKey := acc.identity
	s.mu.Unlock()
	if err != nil {
		return types.EmptyJID, err
	}
	s.saveAccount(acc.Phone)

	companionEph, err := unwrapLinkKey(code, cs.wrappedEph)
	if err != nil {
		return types.EmptyJID, err
	}
	phoneEph := keys.NewKeyPair()
	wrapped, err := wrapLinkKey(code, phoneEph.Pub[:])
	if err != nil {
		return types.EmptyJID, err
	}
	err = cs.conn.send(waBinary.Node{
		Tag: "notification",
		Attrs: waBinary.Attrs{
			"from": types.ServerJID, "type": "link_code_companion_reg",
			"id": s.nextID(), "t": strconv.FormatInt(s.now().Unix(), 10),
		},
		Content: []waBinary.Node{{Tag: "link_code_companion_reg", Content: []waBinary.Node{
			{Tag: "link_code_pairing_ref", Content: []byte(cs.ref)},
			{Tag: "link_code_pairing_wrapped_primary_ephemeral_pub", Content: wrapped},
			{Tag: "primary_identity_pub", Content: phoneKey.Pub[:]},
		}}},
	})
	if err != nil {
		return types.EmptyJID, fmt.Errorf("wasim: send code notification: %w", err)
	}

	wctx, cancel := waitCtx(ctx)
	defer cancel()
	var fin codeFinish
	select {
	case fin = <-cs.finish:
	case <-wctx.Done():
		return types.EmptyJID, fmt.Errorf("wasim: waiting for companion_finish: %w", wctx.Err())
	case <-cs.conn.ctx.Done():
		return types.EmptyJID, ErrNoPendingPairing
	}
	s.mu.Lock()
	if s.codes[phone] == cs {
		delete(s.codes, phone)
	}
	s.mu.Unlock()

	companionIdentity, advSecret, err := openKeyBundle(fin, companionEph, phoneEph, phoneKey)
	if err != nil {
		return types.EmptyJID, err
	}
	return s.pairDevice(ctx, cs.conn, acc, companionIdentity, advSecret)
}

// openKeyBundle decrypts the companion's key bundle and derives the ADV
// secret exactly as the client did (pair-code.go handleCodePairNotification).
// A wrong code surfaces here: the two sides derived different secrets.
func openKeyBundle(fin codeFinish, companionEph []byte, phoneEph, phoneKey *keys.KeyPair) ([32]byte, []byte, error) {
	var none [32]byte
	b := fin.wrappedBundle
	if len(b) < 32+12+16 {
		return none, nil, errors.New("wasim: short key bundle")
	}
	salt, nonce, ct := b[:32], b[32:44], b[44:]
	ephShared, err := curve25519.X25519(phoneEph.Priv[:], companionEph)
	if err != nil {
		return none, nil, err
	}
	key := hkdfutil.SHA256(ephShared, salt, []byte("link_code_pairing_key_bundle_encryption_key"), 32)
	block, err := aes.NewCipher(key)
	if err != nil {
		return none, nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return none, nil, err
	}
	plain, err := gcm.Open(nil, nonce, ct, nil)
	if err != nil || len(plain) != 96 {
		return none, nil, errors.New("wasim: cannot open key bundle (wrong pairing code?)")
	}
	companionIdentity, primaryIdentity, advRandom := plain[:32], plain[32:64], plain[64:]
	if string(primaryIdentity) != string(phoneKey.Pub[:]) || string(companionIdentity) != string(fin.companionIdentity) {
		return none, nil, errors.New("wasim: key bundle identities do not match")
	}
	identityShared, err := curve25519.X25519(phoneKey.Priv[:], companionIdentity)
	if err != nil {
		return none, nil, err
	}
	adv := hkdfutil.SHA256(concat(ephShared, identityShared, advRandom), nil, []byte("adv_secret"), 32)
	return [32]byte(companionIdentity), adv, nil
}

// wrapLinkKey encrypts a public key with the pairing code:
// salt(32) ‖ iv(16) ‖ AES-CTR(PBKDF2(code, salt), pub).
func wrapLinkKey(code string, pub []byte) ([]byte, error) {
	out := make([]byte, 80)
	_, _ = rand.Read(out[:48])
	stream, err := linkStream(code, out[:32], out[32:48])
	if err != nil {
		return nil, err
	}
	stream.XORKeyStream(out[48:], pub)
	return out, nil
}

func unwrapLinkKey(code string, wrapped []byte) ([]byte, error) {
	stream, err := linkStream(code, wrapped[:32], wrapped[32:48])
	if err != nil {
		return nil, err
	}
	pub := make([]byte, 32)
	stream.XORKeyStream(pub, wrapped[48:80])
	return pub, nil
}

func linkStream(code string, salt, iv []byte) (cipher.Stream, error) {
	key, err := pbkdf2.Key(sha256.New, code, salt, linkCodeIterations, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewCTR(block, iv), nil
}

func contentString(n waBinary.Node) string {
	switch v := n.Content.(type) {
	case []byte:
		return string(v)
	case string:
		return v
	}
	return ""
}
