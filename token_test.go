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
