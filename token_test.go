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
	if !ValidCustomToken("my-custom-instance-token-01") {
		t.Fatal("a reasonable token was refused")
	}
	for _, bad := range []string{"short", strings.Repeat("x", 300), "has space in the token!", "tab\tinside-the-token", "comma,inside-the-token"} {
		if ValidCustomToken(bad) {
			t.Fatalf("%q accepted", bad)
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
