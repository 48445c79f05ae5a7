package wasim

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"

	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/util/keys"
)

// ErrUnknownPhone is returned for a phone number that has no account.
var ErrUnknownPhone = errors.New("wasim: unknown phone")

// ErrUnknownDevice is returned for a device JID the simulator does not know.
var ErrUnknownDevice = errors.New("wasim: unknown device")

// account is a simulated phone: the primary device of a WhatsApp account.
// Its identity key is both the ADV account signing key and the Signal
// identity of device 0, as on a real phone (whatsmeow pair.go handlePair
// stores AccountSignatureKey as the identity of LID:0).
type account struct {
	Phone       string `json:"phone"`
	LID         string `json:"lid"`
	PushName    string `json:"pushName"`
	IdentityKey []byte `json:"identityKey"` // X25519 private key
	RawID       uint32 `json:"rawId"`
	Created     int64  `json:"created"`
	// Device-0 Signal bundle, served when a client fetches the phone's keys.
	RegID        uint32 `json:"regId"`
	SignedPreKey []byte `json:"signedPreKey"`
	SignedKeySig []byte `json:"signedKeySig"`
	NextDevice   uint16 `json:"nextDevice"`
	NextKeyIndex uint32 `json:"nextKeyIndex"`
	// Privacy holds the settings changed from defaultPrivacy; Blocked the
	// user JIDs this user blocked (account_iq.go).
	Privacy       map[string]string `json:"privacy,omitempty"`
	Blocked       []string          `json:"blocked,omitempty"`
	About         string            `json:"about,omitempty"`
	AboutTime     int64             `json:"aboutTime,omitempty"`
	PictureID     string            `json:"pictureId,omitempty"` // own picture (user_pictures.go)
	Picture       []byte            `json:"picture,omitempty"`
	identity      *keys.KeyPair
	signedKeyPair *keys.KeyPair
	devices       map[uint16]*device
}

// device is a linked companion device (a whatsmeow client).
type device struct {
	Phone       string   `json:"phone"`
	ID          uint16   `json:"id"`
	NoiseKey    []byte   `json:"noiseKey"`
	IdentityKey []byte   `json:"identityKey"`
	KeyIndex    uint32   `json:"keyIndex"`
	Platform    string   `json:"platform"`
	PairedAt    int64    `json:"pairedAt"`
	Bundle      bundle   `json:"bundle"`
	Offline     [][]byte `json:"offline,omitempty"` // marshalled stanzas queued while offline
	conn        *conn
}

// bundle is what a device uploaded with the encrypt IQ (prekeys.go).
type bundle struct {
	RegID        uint32   `json:"regId"`
	Identity     []byte   `json:"identity"`
	SignedID     uint32   `json:"signedId"`
	SignedPub    []byte   `json:"signedPub"`
	SignedSig    []byte   `json:"signedSig"`
	PreKeys      []preKey `json:"preKeys,omitempty"`
	UploadedOnce bool     `json:"uploadedOnce"`
}

// preKey is one uploaded one-time prekey. Pub is an array, not a slice: a slice would point
// into the decoded upload frame and keep all of it alive for as long as the device exists
// (whatsmeow uploads 812 keys at pairing), which dominated the simulator's memory per device.
type preKey struct {
	ID  uint32
	Pub [32]byte
}

// preKeyJSON is preKey's stored form (the public key in base64, as []byte encodes).
type preKeyJSON struct {
	ID  uint32 `json:"id"`
	Pub []byte `json:"pub"`
}

func (k preKey) MarshalJSON() ([]byte, error) {
	return json.Marshal(preKeyJSON{ID: k.ID, Pub: k.Pub[:]})
}

func (k *preKey) UnmarshalJSON(b []byte) error {
	var j preKeyJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	if len(j.Pub) != len(k.Pub) {
		return fmt.Errorf("wasim: stored prekey %d has a %d-byte key", j.ID, len(j.Pub))
	}
	k.ID, k.Pub = j.ID, [32]byte(j.Pub)
	return nil
}

func (a *account) pn() types.JID  { return types.NewJID(a.Phone, types.DefaultUserServer) }
func (a *account) lid() types.JID { return types.NewJID(a.LID, types.HiddenUserServer) }

func (d *device) pn() types.JID {
	return types.JID{User: d.Phone, Server: types.DefaultUserServer, Device: d.ID}
}

// restore rebuilds the key pairs that are stored as raw private keys.
func (a *account) restore() {
	a.identity = keys.NewKeyPairFromPrivateKey([32]byte(a.IdentityKey))
	a.signedKeyPair = keys.NewKeyPairFromPrivateKey([32]byte(a.SignedPreKey))
	if a.devices == nil {
		a.devices = make(map[uint16]*device)
	}
}

// RegisterPhone creates a simulated phone account. An empty phone generates
// an unused number. Registering an existing number returns its JID again,
// updating the push name when one is given.
func (s *Server) RegisterPhone(phone, pushName string) (types.JID, error) {
	s.mu.Lock()
	acc, err := s.registerLocked(phone, pushName)
	s.mu.Unlock()
	if err != nil {
		return types.EmptyJID, err
	}
	s.saveAccount(acc.Phone)
	return acc.pn(), nil
}

func (s *Server) registerLocked(phone, pushName string) (*account, error) {
	// Accept "+1 555-000 1111" like PairPhone does (pair-code.go notNumbers).
	raw := strings.TrimSpace(phone)
	phone = digitsOnly(raw)
	if raw == "" {
		phone = s.unusedNumberLocked("1555", 11)
	} else if err := validatePhone(phone); err != nil {
		return nil, err
	}
	if acc, ok := s.accounts[phone]; ok {
		if pushName != "" {
			acc.PushName = pushName
		}
		return acc, nil
	}
	identity := keys.NewKeyPair()
	signed := keys.NewKeyPair()
	sig := identity.Sign(signed)
	acc := &account{
		Phone:        phone,
		LID:          s.unusedLIDLocked(),
		PushName:     pushName,
		IdentityKey:  identity.Priv[:],
		RawID:        randUint32(),
		Created:      s.now().Unix(),
		RegID:        randUint32()%16380 + 1,
		SignedPreKey: signed.Priv[:],
		SignedKeySig: sig[:],
		NextDevice:   1,
		NextKeyIndex: 1,
	}
	if acc.PushName == "" {
		acc.PushName = "Sim " + phone[len(phone)-4:]
	}
	acc.restore()
	s.accounts[phone] = acc
	s.byLID[acc.LID] = acc
	return acc, nil
}

func validatePhone(phone string) error {
	if len(phone) < 7 || len(phone) > 15 || phone[0] == '0' {
		return fmt.Errorf("wasim: invalid phone %q (7-15 digits, international, no leading 0)", phone)
	}
	for _, r := range phone {
		if r < '0' || r > '9' {
			return fmt.Errorf("wasim: invalid phone %q (digits only)", phone)
		}
	}
	return nil
}

func (s *Server) unusedNumberLocked(prefix string, digits int) string {
	for {
		n := prefix + randDigits(digits-len(prefix))
		if _, ok := s.accounts[n]; !ok {
			return n
		}
	}
}

// unusedLIDLocked returns a fresh LID user. Real LIDs are opaque 14-15 digit
// numbers unrelated to the phone number.
func (s *Server) unusedLIDLocked() string {
	for {
		n := "1" + randDigits(14)
		if _, ok := s.byLID[n]; !ok {
			return n
		}
	}
}

// accountFor resolves a phone or LID user JID (device part ignored).
func (s *Server) accountForLocked(jid types.JID) *account {
	switch jid.Server {
	case types.DefaultUserServer, types.LegacyUserServer:
		return s.accounts[jid.User]
	case types.HiddenUserServer:
		return s.byLID[jid.User]
	}
	return nil
}

// deviceForLocked resolves a phone or LID AD JID to a companion device.
func (s *Server) deviceForLocked(jid types.JID) *device {
	acc := s.accountForLocked(jid)
	if acc == nil {
		return nil
	}
	return acc.devices[jid.Device]
}

// sortedDeviceIDs lists an account's companion device numbers in order.
func (a *account) sortedDeviceIDs() []uint16 {
	ids := make([]uint16, 0, len(a.devices))
	for id := range a.devices {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// LookupUser implements the group engine's directory: a phone user JID
// resolves to its LID when the number is on (simulated) WhatsApp.
func (s *Server) LookupUser(user types.JID) (types.JID, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	acc := s.accountForLocked(user)
	if acc == nil {
		return types.EmptyJID, false
	}
	return acc.lid(), true
}

// PhoneForLID maps a LID user JID back to its phone user JID.
func (s *Server) PhoneForLID(lid types.JID) (types.JID, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	acc := s.byLID[lid.User]
	if acc == nil {
		return types.EmptyJID, false
	}
	return acc.pn(), true
}

func randUint32() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:])
}

func randDigits(n int) string {
	var sb strings.Builder
	for range n {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		sb.WriteByte(byte('0' + d.Int64()))
	}
	return sb.String()
}
