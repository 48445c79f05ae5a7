package wasim

import (
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"

	"golang.org/x/crypto/curve25519"
	"golang.org/x/crypto/hkdf"

	"go.mau.fi/whatsmeow/socket"
	"go.mau.fi/whatsmeow/util/gcmutil"
)

// noiseState is the responder side of Noise_XX_25519_AESGCM_SHA256 as
// WhatsApp uses it. whatsmeow's socket.NoiseHandshake implements the same
// symmetric state, but keeps the chaining key unexported and can only finish
// into a client socket, so the server needs its own copy (about the size of
// the original; see socket/noisehandshake.go).
type noiseState struct {
	hash    []byte
	ck      []byte // chaining key ("salt" in whatsmeow)
	key     cipher.AEAD
	counter uint32
}

func newNoiseState(header []byte) (*noiseState, error) {
	// The pattern is exactly 32 bytes long, so Noise uses it as the initial
	// hash directly instead of hashing it.
	h := []byte(socket.NoiseStartPattern)
	if len(h) != 32 {
		sum := sha256.Sum256(h)
		h = sum[:]
	}
	key, err := gcmutil.Prepare(h)
	if err != nil {
		return nil, err
	}
	ns := &noiseState{hash: h, ck: h, key: key}
	ns.mixHash(header)
	return ns, nil
}

func (ns *noiseState) mixHash(data []byte) {
	sum := sha256.Sum256(append(append([]byte{}, ns.hash...), data...))
	ns.hash = sum[:]
}

func (ns *noiseState) mixDH(priv, pub [32]byte) error {
	secret, err := curve25519.X25519(priv[:], pub[:])
	if err != nil {
		return fmt.Errorf("x25519: %w", err)
	}
	ck, k, err := expand(ns.ck, secret)
	if err != nil {
		return err
	}
	ns.ck = ck
	ns.counter = 0
	ns.key, err = gcmutil.Prepare(k)
	return err
}

func (ns *noiseState) encrypt(plaintext []byte) []byte {
	ct := ns.key.Seal(nil, counterIV(ns.counter), plaintext, ns.hash)
	ns.counter++
	ns.mixHash(ct)
	return ct
}

func (ns *noiseState) decrypt(ciphertext []byte) ([]byte, error) {
	pt, err := ns.key.Open(nil, counterIV(ns.counter), ciphertext, ns.hash)
	ns.counter++
	if err != nil {
		return nil, err
	}
	ns.mixHash(ciphertext)
	return pt, nil
}

// split derives the transport keys. The first half is the initiator's write
// key (client → server), the second half the responder's.
func (ns *noiseState) split() (read, write cipher.AEAD, err error) {
	c2s, s2c, err := expand(ns.ck, nil)
	if err != nil {
		return nil, nil, err
	}
	if read, err = gcmutil.Prepare(c2s); err != nil {
		return nil, nil, err
	}
	if write, err = gcmutil.Prepare(s2c); err != nil {
		return nil, nil, err
	}
	return read, write, nil
}

func expand(salt, ikm []byte) (first, second []byte, err error) {
	r := hkdf.New(sha256.New, ikm, salt, nil)
	out := make([]byte, 64)
	if _, err = io.ReadFull(r, out); err != nil {
		return nil, nil, fmt.Errorf("hkdf: %w", err)
	}
	return out[:32], out[32:], nil
}

// counterIV is the 12-byte AES-GCM nonce WhatsApp uses: zeros followed by a
// 32-bit big-endian message counter.
func counterIV(n uint32) []byte {
	iv := make([]byte, 12)
	binary.BigEndian.PutUint32(iv[8:], n)
	return iv
}
