package switchboard

import (
	"strings"
	"testing"
)

func TestNewTokenIsPrefixedRandomAndHashed(t *testing.T) {
	a, b := NewToken(AccountTokenPrefix), NewToken(AccountTokenPrefix)
	if a == b {
		t.Fatal("two tokens are equal")
	}
	if !strings.HasPrefix(a, AccountTokenPrefix) || len(a) != len(AccountTokenPrefix)+32 {
		t.Fatalf("unexpected token shape %q", a)
	}
	h := HashToken(a)
	if len(h) != 64 || strings.Contains(h, a) || h == HashToken(b) {
		t.Fatalf("bad hash %q", h)
	}
	if !TokenHashEqual(h, HashToken(a)) || TokenHashEqual(h, HashToken(b)) {
		t.Fatal("TokenHashEqual is wrong")
	}
}

func TestValidCustomToken(t *testing.T) {
	for _, good := range []string{
		"3f9c2a7be41d08c6f5a9e3b7d2c4018e",           // openssl rand -hex 16: 32 hex digits, 128 bits
		"Zx9_kQ2-vL7pW4rT8mN3bY6cH1",                 // 26 base64url characters
		NewToken(InstanceTokenPrefix),                // the gateway's own format
		"k3v9q2x8m4w7z1p6r5t0y8u2i4o7",               // 28 lower-case letters and digits
		"Correct-Horse-Battery-Staple-2024-xyzzy-42", // long enough with varied characters
	} {
		if !ValidCustomToken(good) {
			t.Errorf("%q (%.0f bits) refused", good, CustomTokenBits(good))
		}
	}
	for _, bad := range []string{
		"short", strings.Repeat("x", 300), "has space in the token!", "tab\tinside-the-token", "comma,inside-the-token",
		"3f9c2a7be41d08c6f5a9e3b7d2c401",    // 30 hex digits: 120 bits
		strings.Repeat("a", 200),            // one character repeated: 0 bits
		strings.Repeat("abc", 40),           // three characters: 2.6 bits each, 310 by length alone
		"my-instance-token-01",              // 20 characters of a chosen phrase
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",   // repetition with one change
		"Zx9_kQ2-vL7pW4rT8mN3bY6cH1,Q",      // strong, but a comma splits header lists
		"3f9c2a7be41d08c6f5a9e3b7d2c4018e;", // strong, but a semicolon splits header parameters
	} {
		if ValidCustomToken(bad) {
			t.Errorf("%q (%.0f bits) accepted", bad, CustomTokenBits(bad))
		}
	}
}

// FuzzTokens checks the token rules on arbitrary strings: a custom token accepted by
// ValidCustomToken fits in a header unchanged and within MaxTokenLength, and hashing is a
// deterministic 64-character hex digest that compares equal only to itself.
func FuzzTokens(f *testing.F) {
	for _, seed := range []string{"", "sba_" + strings.Repeat("a", 32), "short", "with space in it!!", "ok-token-0123456789", "a,b;c-0123456789abc", "\x7f0123456789abcdef"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		if ValidCustomToken(tok) {
			if len(tok) < 16 || len(tok) > MaxTokenLength || strings.TrimSpace(tok) != tok || strings.ContainsAny(tok, " ,;\t\r\n") {
				t.Fatalf("accepted unusable token %q", tok)
			}
		}
		h := HashToken(tok)
		if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" || h != HashToken(tok) {
			t.Fatalf("hash %q of %q", h, tok)
		}
		if !TokenHashEqual(h, h) || TokenHashEqual(h, HashToken(tok+"x")) {
			t.Fatalf("hash comparison broken for %q", tok)
		}
	})
}
