package switchboard

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"strings"
)

// Token prefixes make leaked tokens recognisable to secret scanners and to people.
const (
	AccountTokenPrefix  = "sba_"
	InstanceTokenPrefix = "sbi_"
)

// tokenEncoding is lower-case base32 without padding: URL- and header-safe, no ambiguous case.
var tokenEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewToken returns a fresh token: prefix plus 160 random bits. It is shown to its owner once and
// stored only as HashToken's output.
func NewToken(prefix string) string {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("switchboard: crypto/rand failed: " + err.Error())
	}
	return prefix + tokenEncoding.EncodeToString(b[:])
}

// HashToken returns the hex SHA-256 of a token: the only form in which tokens are stored. A plain
// hash is enough because tokens carry 160 random bits; there is nothing to brute-force.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// TokenHashEqual compares two token hashes in constant time.
func TokenHashEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// MaxTokenLength bounds what the gateway accepts as a token, custom instance tokens included.
const MaxTokenLength = 256

// ValidCustomToken reports whether a caller-chosen instance token is acceptable: 16 to 256
// printable ASCII characters without spaces, so it survives HTTP headers unchanged.
func ValidCustomToken(t string) bool {
	if len(t) < 16 || len(t) > MaxTokenLength {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] <= ' ' || t[i] > '~' {
			return false
		}
	}
	return !strings.ContainsAny(t, ",;")
}
