package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// SecretKeyEnv names the environment variable that holds the sealing key: 32 random bytes in
// standard or URL-safe base64 (padded or not) or in hex, e.g. `openssl rand -base64 32`.
const SecretKeyEnv = "SWITCHBOARD_SECRET_KEY"

// ErrNoSecretKey is returned by SealerFromKey when SWITCHBOARD_SECRET_KEY is unset or empty.
//
// There is deliberately no fallback key (derived from the database path, the admin token or a
// built-in constant): a secret sealed under a guessable key is plaintext with extra steps, and a
// key that changes with the configuration would make stored passwords unreadable. The caller
// runs without a Sealer instead and refuses the requests that carry a proxy password, telling
// the operator "proxy passwords need SWITCHBOARD_SECRET_KEY"; everything else keeps working.
var ErrNoSecretKey = errors.New("store: " + SecretKeyEnv + " is not set; proxy passwords need it (32 random bytes, base64 or hex)")

// The first byte of every sealed value names its format.
//
//   - Version 1: AES-256-GCM, 12-byte random nonce, then ciphertext and tag; the associated data
//     is the version byte alone. Still opened (under any configured key), never written.
//   - Version 2: a 4-byte key id follows the version byte, then the nonce, ciphertext and tag.
//     The associated data is the 5-byte header and the instance id, so a value copied into
//     another instance's row fails authentication, and the key id says which key sealed it, so
//     the key can be rotated: the new key seals, the previous ones still open.
const (
	sealV1 byte = 1
	sealV2 byte = 2
)

const keyIDSize = 4

// SecretKeyPreviousEnv lists keys that no longer seal but must still open what they sealed,
// comma-separated, in the format of SecretKeyEnv: the rotation's way back.
const SecretKeyPreviousEnv = "SWITCHBOARD_SECRET_KEY_PREVIOUS"

// Sealer encrypts secrets that must be read back (proxy passwords) with AES-256-GCM, bound to
// the instance they belong to. It is safe for concurrent use.
type Sealer struct {
	current sealKey
	byID    map[[keyIDSize]byte]sealKey
	all     []sealKey // current first, for version-1 values that name no key
}

type sealKey struct {
	id   [keyIDSize]byte
	aead cipher.AEAD
}

// NewSealer returns a Sealer that seals under key and also opens values sealed under previous
// keys. Every key is 32 bytes and is not retained beyond its cipher.
func NewSealer(key []byte, previous ...[]byte) (*Sealer, error) {
	s := &Sealer{byID: map[[keyIDSize]byte]sealKey{}}
	for i, k := range append([][]byte{key}, previous...) {
		sk, err := newSealKey(k)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			s.current = sk
		}
		if _, dup := s.byID[sk.id]; !dup {
			s.byID[sk.id] = sk
			s.all = append(s.all, sk)
		}
	}
	return s, nil
}

func newSealKey(key []byte) (sealKey, error) {
	if len(key) != 32 {
		return sealKey{}, fmt.Errorf("store: sealing key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return sealKey{}, fmt.Errorf("store: sealing key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return sealKey{}, fmt.Errorf("store: sealing key: %w", err)
	}
	// The id is a hash of the key under a fixed label: it tells keys apart without helping
	// anyone guess them.
	sum := sha256.Sum256(append([]byte("switchboard sealing key id\x00"), key...))
	sk := sealKey{aead: aead}
	copy(sk.id[:], sum[:keyIDSize])
	return sk, nil
}

// SealerFromKeys builds the Sealer from the texts of SWITCHBOARD_SECRET_KEY and
// SWITCHBOARD_SECRET_KEY_PREVIOUS (retired keys that still open what they sealed). An empty
// current key: ErrNoSecretKey. A malformed one: an error that names the variable but never
// echoes its value. The store never reads the environment itself: package app declares both.
func SealerFromKeys(current string, previous []string) (*Sealer, error) {
	raw := strings.TrimSpace(current)
	if raw == "" {
		return nil, ErrNoSecretKey
	}
	key, err := decodeKey(raw, SecretKeyEnv)
	if err != nil {
		return nil, err
	}
	var old [][]byte
	for _, item := range previous {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		k, err := decodeKey(item, SecretKeyPreviousEnv)
		if err != nil {
			return nil, err
		}
		old = append(old, k)
	}
	return NewSealer(key, old...)
}

// decodeKey accepts hex (64 digits) or any common base64 alphabet, and insists on 32 bytes so a
// typo or a passphrase is refused rather than stretched into a weak key.
func decodeKey(s, env string) ([]byte, error) {
	if len(s) == 64 {
		if key, err := hex.DecodeString(s); err == nil {
			return key, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil {
			if len(key) != 32 {
				return nil, fmt.Errorf("store: %s decodes to %d bytes, want 32", env, len(key))
			}
			return key, nil
		}
	}
	return nil, fmt.Errorf("store: %s is neither base64 nor hex of 32 bytes", env)
}

// associatedData binds a version-2 value to its header and to the instance it belongs to.
func associatedData(header []byte, instanceID int64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), header...), uint64(instanceID))
}

// Seal encrypts plain for the instance instanceID under the current key and a fresh random
// nonce, so sealing the same password twice gives two unrelated values.
func (s *Sealer) Seal(plain []byte, instanceID int64) ([]byte, error) {
	k := s.current
	headerSize := 1 + keyIDSize
	nonceSize := k.aead.NonceSize()
	out := make([]byte, headerSize+nonceSize, headerSize+nonceSize+len(plain)+k.aead.Overhead())
	out[0] = sealV2
	copy(out[1:headerSize], k.id[:])
	if _, err := rand.Read(out[headerSize:]); err != nil {
		return nil, fmt.Errorf("store: seal: %w", err)
	}
	return k.aead.Seal(out, out[headerSize:], plain, associatedData(out[:headerSize], instanceID)), nil
}

// Open decrypts a value produced by Seal for the same instance, under any key the Sealer holds.
// A different key, another instance's value or a modified one fails authentication; the error
// says so without detail that could help an attacker.
func (s *Sealer) Open(sealed []byte, instanceID int64) ([]byte, error) {
	if len(sealed) == 0 {
		return nil, errors.New("store: sealed value is empty")
	}
	switch sealed[0] {
	case sealV1:
		return s.openV1(sealed)
	case sealV2:
	default:
		return nil, fmt.Errorf("store: sealed value has unknown format %d", sealed[0])
	}
	headerSize := 1 + keyIDSize
	if len(sealed) < headerSize {
		return nil, errors.New("store: sealed value is too short")
	}
	k, ok := s.byID[[keyIDSize]byte(sealed[1:headerSize])]
	if !ok {
		return nil, fmt.Errorf("store: sealed value was sealed under a key that is not configured (%s or %s)", SecretKeyEnv, SecretKeyPreviousEnv)
	}
	nonceSize := k.aead.NonceSize()
	if len(sealed) < headerSize+nonceSize+k.aead.Overhead() {
		return nil, errors.New("store: sealed value is too short")
	}
	plain, err := k.aead.Open(nil, sealed[headerSize:headerSize+nonceSize], sealed[headerSize+nonceSize:],
		associatedData(sealed[:headerSize], instanceID))
	if err != nil {
		return nil, errors.New("store: sealed value cannot be opened (altered, or stored for another instance)")
	}
	return plain, nil
}

// openV1 opens a version-1 value, which names no key: each key is tried, current first.
func (s *Sealer) openV1(sealed []byte) ([]byte, error) {
	for _, k := range s.all {
		nonceSize := k.aead.NonceSize()
		if len(sealed) < 1+nonceSize+k.aead.Overhead() {
			return nil, errors.New("store: sealed value is too short")
		}
		if plain, err := k.aead.Open(nil, sealed[1:1+nonceSize], sealed[1+nonceSize:], sealed[:1]); err == nil {
			return plain, nil
		}
	}
	return nil, fmt.Errorf("store: sealed value cannot be opened (wrong %s, or altered)", SecretKeyEnv)
}
