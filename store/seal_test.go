package store_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/store"
)

func TestSealerRoundTrip(t *testing.T) {
	key := bytes.Repeat([]byte{0x42}, 32)
	s, err := store.NewSealer(key)
	must(t, "NewSealer", err)
	for _, plain := range [][]byte{nil, []byte("p"), []byte("correct horse battery staple ✓"), bytes.Repeat([]byte{0}, 4096)} {
		sealed, err := s.Seal(plain, 7)
		must(t, "Seal", err)
		if len(plain) >= 8 && bytes.Contains(sealed, plain) { // shorter ones can occur by chance
			t.Fatal("sealed value contains the plaintext")
		}
		got, err := s.Open(sealed, 7)
		must(t, "Open", err)
		if !bytes.Equal(got, plain) {
			t.Fatalf("Open = %q, want %q", got, plain)
		}
	}
	a, _ := s.Seal([]byte("same"), 7)
	b, _ := s.Seal([]byte("same"), 7)
	if bytes.Equal(a, b) {
		t.Fatal("two seals of one value are equal: the nonce is not fresh")
	}
}

func TestSealerRejects(t *testing.T) {
	s, _ := store.NewSealer(bytes.Repeat([]byte{1}, 32))
	other, _ := store.NewSealer(bytes.Repeat([]byte{2}, 32))
	sealed, err := s.Seal([]byte("secret"), 7)
	must(t, "Seal", err)

	if _, err := other.Open(sealed, 7); err == nil {
		t.Fatal("Open under another key succeeded")
	}
	for i := range sealed {
		tampered := bytes.Clone(sealed)
		tampered[i] ^= 0x01
		if _, err := s.Open(tampered, 7); err == nil {
			t.Fatalf("Open accepted a value altered at byte %d", i)
		}
	}
	for _, short := range [][]byte{nil, {1}, sealed[:len(sealed)-1][:20]} {
		if _, err := s.Open(short, 7); err == nil {
			t.Fatalf("Open accepted %d bytes", len(short))
		}
	}
	for _, n := range []int{0, 16, 24, 31, 33, 64} {
		if _, err := store.NewSealer(make([]byte, n)); err == nil {
			t.Fatalf("NewSealer accepted a %d-byte key", n)
		}
	}
}

func TestSealerFromKey(t *testing.T) {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i * 7)
	}
	reference, _ := store.NewSealer(key)
	sealed, _ := reference.Seal([]byte("pw"), 7)

	for name, value := range map[string]string{
		"hex":        hex.EncodeToString(key),
		"base64":     base64.StdEncoding.EncodeToString(key),
		"raw base64": base64.RawStdEncoding.EncodeToString(key),
		"url base64": base64.URLEncoding.EncodeToString(key),
		"spaces":     "  " + base64.StdEncoding.EncodeToString(key) + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			s, err := store.SealerFromKeys(value, nil)
			must(t, "SealerFromKeys", err)
			got, err := s.Open(sealed, 7)
			if err != nil || string(got) != "pw" {
				t.Fatalf("key from %s does not open a value sealed under the same key: %v", name, err)
			}
		})
	}

	t.Run("unset", func(t *testing.T) {
		s, err := store.SealerFromKeys("", nil)
		if s != nil || !errors.Is(err, store.ErrNoSecretKey) {
			t.Fatalf("unset key: %v, %v", s, err)
		}
		if !strings.Contains(err.Error(), "proxy passwords need") {
			t.Fatalf("message does not tell the operator what the key is for: %v", err)
		}
	})
	for name, value := range map[string]string{
		"short":      base64.StdEncoding.EncodeToString(key[:16]),
		"long hex":   hex.EncodeToString(append(key, 0)),
		"passphrase": "my very secret passphrase!",
	} {
		t.Run(name, func(t *testing.T) {
			s, err := store.SealerFromKeys(value, nil)
			if err == nil || s != nil {
				t.Fatalf("accepted %s", name)
			}
			if errors.Is(err, store.ErrNoSecretKey) || strings.Contains(err.Error(), value) {
				t.Fatalf("bad key error: %v", err)
			}
		})
	}
}

func TestSealedValueIsBoundToItsInstance(t *testing.T) {
	s, _ := store.NewSealer(bytes.Repeat([]byte{3}, 32))
	sealed, err := s.Seal([]byte("hunter2"), 41)
	must(t, "Seal", err)
	if _, err := s.Open(sealed, 42); err == nil {
		t.Fatal("a value sealed for instance 41 opened as instance 42's")
	}
	if got, err := s.Open(sealed, 41); err != nil || string(got) != "hunter2" {
		t.Fatalf("own instance: %q %v", got, err)
	}
}

func TestSealerRotation(t *testing.T) {
	oldKey, newKey := bytes.Repeat([]byte{4}, 32), bytes.Repeat([]byte{5}, 32)
	before, _ := store.NewSealer(oldKey)
	sealedBefore, err := before.Seal([]byte("old"), 1)
	must(t, "Seal", err)

	rotated, err := store.NewSealer(newKey, oldKey)
	must(t, "NewSealer", err)
	if got, err := rotated.Open(sealedBefore, 1); err != nil || string(got) != "old" {
		t.Fatalf("a value of the previous key after rotation: %q %v", got, err)
	}
	sealedAfter, err := rotated.Seal([]byte("new"), 1)
	must(t, "Seal", err)
	if _, err := before.Open(sealedAfter, 1); err == nil {
		t.Fatal("a value sealed under the new key opened with only the old key")
	}
	if bytes.Equal(sealedBefore[1:5], sealedAfter[1:5]) {
		t.Fatal("both keys have the same key id")
	}
	newOnly, _ := store.NewSealer(newKey)
	if _, err := newOnly.Open(sealedBefore, 1); err == nil || !strings.Contains(err.Error(), store.SecretKeyPreviousEnv) {
		t.Fatalf("a retired key's value without the previous key: %v", err)
	}
}

// sealV1 writes a value in the first format (no key id, no instance binding) as earlier
// versions stored it: version byte, nonce, ciphertext and tag, the version byte as associated
// data.
func sealV1(t *testing.T, key, plain []byte) []byte {
	t.Helper()
	block, err := aes.NewCipher(key)
	must(t, "NewCipher", err)
	aead, err := cipher.NewGCM(block)
	must(t, "NewGCM", err)
	out := append([]byte{1}, bytes.Repeat([]byte{9}, aead.NonceSize())...)
	return aead.Seal(out, out[1:], plain, out[:1])
}

func TestVersion1ValuesStillOpen(t *testing.T) {
	oldKey, newKey := bytes.Repeat([]byte{6}, 32), bytes.Repeat([]byte{8}, 32)
	legacy := sealV1(t, oldKey, []byte("from v1"))
	for name, keys := range map[string][][]byte{"same key": {oldKey}, "rotated": {newKey, oldKey}} {
		s, err := store.NewSealer(keys[0], keys[1:]...)
		must(t, "NewSealer", err)
		if got, err := s.Open(legacy, 99); err != nil || string(got) != "from v1" {
			t.Fatalf("%s: version-1 value: %q %v", name, got, err)
		}
	}
	other, _ := store.NewSealer(newKey)
	if _, err := other.Open(legacy, 99); err == nil {
		t.Fatal("a version-1 value opened under a key that did not seal it")
	}
}

func TestSealerFromKeysReadsPreviousKeys(t *testing.T) {
	oldKey, newKey := bytes.Repeat([]byte{10}, 32), bytes.Repeat([]byte{11}, 32)
	before, _ := store.NewSealer(oldKey)
	sealed, _ := before.Seal([]byte("pw"), 3)
	current := base64.StdEncoding.EncodeToString(newKey)
	s, err := store.SealerFromKeys(current, []string{"  " + hex.EncodeToString(bytes.Repeat([]byte{12}, 32)) + " ", base64.StdEncoding.EncodeToString(oldKey)})
	must(t, "SealerFromKeys", err)
	if got, err := s.Open(sealed, 3); err != nil || string(got) != "pw" {
		t.Fatalf("previous key from the environment: %q %v", got, err)
	}
	if _, err := store.SealerFromKeys(current, []string{"not a key"}); err == nil || !strings.Contains(err.Error(), store.SecretKeyPreviousEnv) {
		t.Fatalf("malformed previous key: %v", err)
	}
}
