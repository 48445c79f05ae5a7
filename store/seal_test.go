package store_test

import (
	"bytes"
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
		sealed, err := s.Seal(plain)
		must(t, "Seal", err)
		if len(plain) >= 8 && bytes.Contains(sealed, plain) { // shorter ones can occur by chance
			t.Fatal("sealed value contains the plaintext")
		}
		got, err := s.Open(sealed)
		must(t, "Open", err)
		if !bytes.Equal(got, plain) {
			t.Fatalf("Open = %q, want %q", got, plain)
		}
	}
	a, _ := s.Seal([]byte("same"))
	b, _ := s.Seal([]byte("same"))
	if bytes.Equal(a, b) {
		t.Fatal("two seals of one value are equal: the nonce is not fresh")
	}
}

func TestSealerRejects(t *testing.T) {
	s, _ := store.NewSealer(bytes.Repeat([]byte{1}, 32))
	other, _ := store.NewSealer(bytes.Repeat([]byte{2}, 32))
	sealed, err := s.Seal([]byte("secret"))
	must(t, "Seal", err)

	if _, err := other.Open(sealed); err == nil {
		t.Fatal("Open under another key succeeded")
	}
	for i := range sealed {
		tampered := bytes.Clone(sealed)
		tampered[i] ^= 0x01
		if _, err := s.Open(tampered); err == nil {
			t.Fatalf("Open accepted a value altered at byte %d", i)
		}
	}
	for _, short := range [][]byte{nil, {1}, sealed[:len(sealed)-1][:20]} {
		if _, err := s.Open(short); err == nil {
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
	sealed, _ := reference.Seal([]byte("pw"))

	for name, value := range map[string]string{
		"hex":        hex.EncodeToString(key),
		"base64":     base64.StdEncoding.EncodeToString(key),
		"raw base64": base64.RawStdEncoding.EncodeToString(key),
		"url base64": base64.URLEncoding.EncodeToString(key),
		"spaces":     "  " + base64.StdEncoding.EncodeToString(key) + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			s, err := store.SealerFromKey(value)
			must(t, "SealerFromKey", err)
			got, err := s.Open(sealed)
			if err != nil || string(got) != "pw" {
				t.Fatalf("key from %s does not open a value sealed under the same key: %v", name, err)
			}
		})
	}

	t.Run("unset", func(t *testing.T) {
		s, err := store.SealerFromKey("")
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
			s, err := store.SealerFromKey(value)
			if err == nil || s != nil {
				t.Fatalf("accepted %s", name)
			}
			if errors.Is(err, store.ErrNoSecretKey) || strings.Contains(err.Error(), value) {
				t.Fatalf("bad key error: %v", err)
			}
		})
	}
}
