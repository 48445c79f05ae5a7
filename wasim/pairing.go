package wasim

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.mau.fi/libsignal/ecc"
	"google.golang.org/protobuf/proto"

	"go.mau.fi/whatsmeow"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/proto/waAdv"
	"go.mau.fi/whatsmeow/types"
)

// ErrNoPendingPairing is returned when no unpaired client matches a QR code
// or pairing code (it disconnected, or the code belongs to another server).
var ErrNoPendingPairing = errors.New("wasim: no unpaired client waiting for this code")

// qrRefCount is how many refs a pair-device IQ carries; whatsmeow shows the
// first for 60 s and each further one for 20 s (qrchan.go).
const qrRefCount = 6

// startRegistration offers QR refs to an unpaired client: an IQ from
// s.whatsapp.net with exactly one <pair-device> child (pair.go handleIQ
// accepts nothing else). The client acks it and emits events.QR.
func (s *Server) startRegistration(c *conn) {
	refs := make([]string, qrRefCount)
	content := make([]waBinary.Node, qrRefCount)
	for i := range refs {
		refs[i] = "2@" + randomToken(24)
		content[i] = waBinary.Node{Tag: "ref", Content: []byte(refs[i])}
	}
	s.mu.Lock()
	c.refs = refs
	old := s.pending[c.noisePub]
	s.pending[c.noisePub] = c
	s.mu.Unlock()
	if old != nil && old != c {
		// The same unpaired client reconnected; its old socket is stale.
		old.closeNow()
	}
	node := waBinary.Node{
		Tag:     "iq",
		Attrs:   waBinary.Attrs{"from": types.ServerJID, "type": "set", "xmlns": "md", "id": s.nextID()},
		Content: []waBinary.Node{{Tag: "pair-device", Content: content}},
	}
	// Sent from a goroutine: the answer arrives through the read loop,
	// which the caller starts right after this returns.
	s.goTracked(func() {
		ctx, cancel := waitCtx(c.ctx)
		defer cancel()
		if _, err := c.request(ctx, node); err != nil {
			s.log.Debug("wasim: pair-device not acknowledged", "conn", c.label, "err", err)
		}
	})
}

// ScanQR plays the phone scanning a QR code: it needs only the QR text
// (pinned whatsmeow: "https://wa.me/settings/linked_devices#ref,noise,
// identity,adv,type"; older builds omit the prefix and type). An empty phone
// registers a new number; an unknown one is registered on the fly. It
// returns the new device's JID once the client has confirmed the pairing;
// the client then reconnects and logs in by itself (events.Connected).
func (s *Server) ScanQR(ctx context.Context, qrText, phone string) (types.JID, error) {
	if i := strings.LastIndexByte(qrText, '#'); i >= 0 {
		qrText = qrText[i+1:]
	}
	parts := strings.Split(qrText, ",")
	if len(parts) < 4 {
		return types.EmptyJID, fmt.Errorf("wasim: malformed QR text (%d fields)", len(parts))
	}
	noise, err1 := base64.StdEncoding.DecodeString(parts[1])
	identity, err2 := base64.StdEncoding.DecodeString(parts[2])
	adv, err3 := base64.StdEncoding.DecodeString(parts[3])
	if err := errors.Join(err1, err2, err3); err != nil || len(noise) != 32 || len(identity) != 32 {
		return types.EmptyJID, fmt.Errorf("wasim: malformed QR keys: %v", err)
	}
	s.mu.Lock()
	c := s.pending[[32]byte(noise)]
	if c == nil || !slices.Contains(c.refs, parts[0]) {
		s.mu.Unlock()
		return types.EmptyJID, ErrNoPendingPairing
	}
	acc, err := s.registerLocked(phone, "")
	s.mu.Unlock()
	if err != nil {
		return types.EmptyJID, err
	}
	s.saveAccount(acc.Phone)
	return s.pairDevice(ctx, c, acc, [32]byte(identity), adv)
}

// pairDevice sends pair-success, waits for the client's signed
// confirmation, records the device and asks the client to reconnect with
// <stream:error code="515"/> (pair.go handlePairSuccess / handlePair).
func (s *Server) pairDevice(ctx context.Context, c *conn, acc *account, companionIdentity [32]byte, advSecret []byte) (types.JID, error) {
	s.mu.Lock()
	if s.pending[c.noisePub] != c {
		s.mu.Unlock()
		return types.EmptyJID, ErrNoPendingPairing
	}
	delete(s.pending, c.noisePub) // one phone wins a race for the same QR
	devID := acc.NextDevice
	acc.NextDevice++
	keyIndex := acc.NextKeyIndex
	acc.NextKeyIndex++
	rawID, lidUser, phoneKey := acc.RawID, acc.LID, acc.identity
	s.mu.Unlock()
	s.saveAccount(acc.Phone)

	jid := types.JID{User: acc.Phone, Server: types.DefaultUserServer, Device: devID}
	lid := types.JID{User: lidUser, Server: types.HiddenUserServer, Device: devID}
	now := s.now()

	details, err := proto.Marshal(&waAdv.ADVDeviceIdentity{
		RawID:       proto.Uint32(rawID),
		Timestamp:   proto.Uint64(uint64(now.Unix())),
		KeyIndex:    proto.Uint32(keyIndex),
		AccountType: waAdv.ADVEncryptionType_E2EE.Enum(),
		DeviceType:  waAdv.ADVEncryptionType_E2EE.Enum(),
	})
	if err != nil {
		return types.EmptyJID, err
	}
	accountSig := ecc.CalculateSignature(ecc.NewDjbECPrivateKey(*phoneKey.Priv),
		concat(whatsmeow.AdvAccountSignaturePrefix, details, companionIdentity[:]))
	signed, err := proto.Marshal(&waAdv.ADVSignedDeviceIdentity{
		Details:             details,
		AccountSignatureKey: phoneKey.Pub[:],
		AccountSignature:    accountSig[:],
	})
	if err != nil {
		return types.EmptyJID, err
	}
	mac := hmac.New(sha256.New, advSecret)
	mac.Write(signed)
	container, err := proto.Marshal(&waAdv.ADVSignedDeviceIdentityHMAC{
		Details:     signed,
		HMAC:        mac.Sum(nil),
		AccountType: waAdv.ADVEncryptionType_E2EE.Enum(),
	})
	if err != nil {
		return types.EmptyJID, err
	}

	ctx, cancel := waitCtx(ctx)
	defer cancel()
	resp, err := c.request(ctx, waBinary.Node{
		Tag: "iq",
		Attrs: waBinary.Attrs{
			"from": types.ServerJID, "type": "set", "xmlns": "md",
			"t": strconv.FormatInt(now.Unix(), 10),
		},
		Content: []waBinary.Node{{Tag: "pair-success", Content: []waBinary.Node{
			{Tag: "device-identity", Content: container},
			{Tag: "device", Attrs: waBinary.Attrs{"jid": jid, "lid": lid}},
			{Tag: "platform", Attrs: waBinary.Attrs{"name": "android"}},
		}}},
	})
	if err != nil {
		return types.EmptyJID, fmt.Errorf("wasim: pair-success: %w", err)
	}
	if t, _ := resp.Attrs["type"].(string); t != "result" {
		e := resp.GetChildByTag("error")
		return types.EmptyJID, fmt.Errorf("wasim: client rejected pairing: %v %v", e.Attrs["code"], e.Attrs["text"])
	}
	if err := verifyDeviceSignature(resp, companionIdentity, *phoneKey.Pub); err != nil {
		return types.EmptyJID, err
	}

	dev := &device{
		Phone:       acc.Phone,
		ID:          devID,
		NoiseKey:    bytesOf(c.noisePub),
		IdentityKey: companionIdentity[:],
		KeyIndex:    keyIndex,
		Platform:    "android",
		PairedAt:    now.Unix(),
		Bundle:      registrationBundle(c, companionIdentity),
	}
	s.mu.Lock()
	acc.devices[devID] = dev
	s.mu.Unlock()
	s.saveDevice(jid)
	s.log.Info("wasim: paired", "jid", jid)
	s.notifyDeviceChange(acc.Phone, jid, "add")

	c.sendStreamError("515", "")
	return jid, nil
}

// verifyDeviceSignature checks the companion's signature over the account
// details ({6,1} ‖ details ‖ companion identity ‖ account key), proving the
// client holds the identity key from the QR code.
func verifyDeviceSignature(resp *waBinary.Node, companionIdentity, accountKey [32]byte) error {
	raw, _ := resp.GetChildByTag("pair-device-sign", "device-identity").Content.([]byte)
	var signed waAdv.ADVSignedDeviceIdentity
	if err := proto.Unmarshal(raw, &signed); err != nil {
		return fmt.Errorf("wasim: bad pair-device-sign: %w", err)
	}
	if len(signed.DeviceSignature) != 64 {
		return errors.New("wasim: pair-device-sign without device signature")
	}
	msg := concat(whatsmeow.AdvDeviceSignaturePrefix, signed.Details, companionIdentity[:], accountKey[:])
	if !ecc.VerifySignature(ecc.NewDjbECPublicKey(companionIdentity), msg, [64]byte(signed.DeviceSignature)) {
		return errors.New("wasim: invalid device signature in pair-device-sign")
	}
	return nil
}

// registrationBundle keeps the signed prekey the client announced in its
// registration payload, so its keys can be served before the first upload.
func registrationBundle(c *conn, identity [32]byte) bundle {
	reg := c.payload.GetDevicePairingData()
	b := bundle{Identity: identity[:]}
	if r := reg.GetERegid(); len(r) == 4 {
		b.RegID = binary.BigEndian.Uint32(r)
	}
	if id := reg.GetESkeyID(); len(id) == 3 {
		b.SignedID = uint32(id[0])<<16 | uint32(id[1])<<8 | uint32(id[2])
	}
	b.SignedPub = reg.GetESkeyVal()
	b.SignedSig = reg.GetESkeySig()
	return b
}

func concat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func bytesOf(k [32]byte) []byte { return k[:] }

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
