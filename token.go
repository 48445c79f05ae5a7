package switchboard

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"math"
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

// MinCustomTokenBits is the least estimated entropy of a caller-chosen instance token: as hard to
// guess as the gateway's own tokens need to be (they carry 160 random bits).
const MinCustomTokenBits = 128

// CustomTokenRule is the rule ValidCustomToken applies, in the words the API answers with.
const CustomTokenRule = "a custom token must be 16 to 256 printable ASCII characters without spaces, ',' or ';', " +
	"with at least 128 bits of estimated entropy (e.g. 32 random hex digits: openssl rand -hex 16)"

// ValidCustomToken reports whether a caller-chosen instance token is acceptable: 16 to 256
// printable ASCII characters without spaces, ',' or ';' (so it survives HTTP headers unchanged),
// whose CustomTokenBits reach MinCustomTokenBits.
func ValidCustomToken(t string) bool {
	if len(t) < 16 || len(t) > MaxTokenLength {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] <= ' ' || t[i] > '~' {
			return false
		}
	}
	return !strings.ContainsAny(t, ",;") && CustomTokenBits(t) >= MinCustomTokenBits
}

// CustomTokenBits estimates a token's entropy as length × log2(alphabet), the entropy of a token
// drawn uniformly from that alphabet, where the alphabet is
//
//   - 16 when every character is a hex digit (0-9, a-f or A-F);
//   - otherwise the sum of the classes the token uses: a-z 26, A-Z 26, 0-9 10, other printable
//     ASCII 30 (the 32 symbols but ',' and ';');
//   - and in both cases at most twice the number of distinct characters; the length, too, counts
//     at most four times the number of distinct characters, so repetition ("aaaa…", "abcabc…")
//     cannot pass on length alone.
//
// It is an upper bound: nothing can tell a random string from a chosen one, so the rule refuses
// what is surely too weak and the documentation asks for random tokens. Random tokens pass at
// 32 hex digits, about 25 base64url characters or 28 lower-case letters and digits.
func CustomTokenBits(t string) float64 {
	var lower, upper, digit, other, hex bool
	hex = true
	distinct := map[byte]bool{}
	for i := 0; i < len(t); i++ {
		c := t[i]
		distinct[c] = true
		switch {
		case c >= 'a' && c <= 'z':
			lower = true
			hex = hex && c <= 'f'
		case c >= 'A' && c <= 'Z':
			upper = true
			hex = hex && c <= 'F'
		case c >= '0' && c <= '9':
			digit = true
		default:
			other = true
			hex = false
		}
	}
	alphabet := 0
	for _, class := range []struct {
		used bool
		size int
	}{{lower, 26}, {upper, 26}, {digit, 10}, {other, 30}} {
		if class.used {
			alphabet += class.size
		}
	}
	if hex {
		alphabet = 16
	}
	alphabet = min(alphabet, 2*len(distinct))
	if alphabet < 2 {
		return 0
	}
	length := min(len(t), 4*len(distinct))
	return float64(length) * math.Log2(float64(alphabet))
}
