package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
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

// sealVersion is the first byte of every sealed value. It names the format (AES-256-GCM, 12-byte
// random nonce, then ciphertext and tag) so that a later format, or a key id for rotation, can be
// told apart from values already stored.
const sealVersion byte = 1

// Sealer encrypts secrets that must be read back (proxy passwords) with AES-256-GCM. It is safe
// for concurrent use.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer returns a Sealer for a 32-byte key. The key is not retained beyond the cipher.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("store: sealing key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("store: sealing key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("store: sealing key: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// SealerFromKey builds the Sealer from the text of SWITCHBOARD_SECRET_KEY. Empty: ErrNoSecretKey.
// Malformed: an error that names the variable but never echoes its value.
func SealerFromKey(raw string) (*Sealer, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, ErrNoSecretKey
	}
	key, err := decodeKey(raw)
	if err != nil {
		return nil, err
	}
	return NewSealer(key)
}

// decodeKey accepts hex (64 digits) or any common base64 alphabet, and insists on 32 bytes so a
// typo or a passphrase is refused rather than stretched into a weak key.
func decodeKey(s string) ([]byte, error) {
	if len(s) == 64 {
		if key, err := hex.DecodeString(s); err == nil {
			return key, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil {
			if len(key) != 32 {
				return nil, fmt.Errorf("store: %s decodes to %d bytes, want 32", SecretKeyEnv, len(key))
			}
			return key, nil
		}
	}
	return nil, fmt.Errorf("store: %s is neither base64 nor hex of 32 bytes", SecretKeyEnv)
}

// Seal encrypts plain under a fresh random nonce, so sealing the same password twice gives two
// unrelated values.
func (s *Sealer) Seal(plain []byte) ([]byte, error) {
	nonceSize := s.aead.NonceSize()
	out := make([]byte, 1+nonceSize, 1+nonceSize+len(plain)+s.aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, fmt.Errorf("store: seal: %w", err)
	}
	return s.aead.Seal(out, out[1:1+nonceSize], plain, out[:1]), nil
}

// Open decrypts a value produced by Seal under the same key. A different key or a modified value
// fails authentication; the error says so without detail that could help an attacker.
func (s *Sealer) Open(sealed []byte) ([]byte, error) {
	nonceSize := s.aead.NonceSize()
	if len(sealed) < 1+nonceSize+s.aead.Overhead() {
		return nil, errors.New("store: sealed value is too short")
	}
	if sealed[0] != sealVersion {
		return nil, fmt.Errorf("store: sealed value has unknown format %d", sealed[0])
	}
	plain, err := s.aead.Open(nil, sealed[1:1+nonceSize], sealed[1+nonceSize:], sealed[:1])
	if err != nil {
		return nil, fmt.Errorf("store: sealed value cannot be opened (wrong %s, or altered)", SecretKeyEnv)
	}
	return plain, nil
}
