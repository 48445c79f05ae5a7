package groupsim

import (
	"crypto/rand"
	"math/big"
	"strings"
)

// Group ids look like modern real ones: "120363" followed by 12 digits.
const groupIDPrefix = "120363"

func randomDigits(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		b.WriteByte(byte('0' + d.Int64()))
	}
	return b.String()
}

const codeAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomCode(n int) string {
	b := make([]byte, n)
	for i := range b {
		d, _ := rand.Int(rand.Reader, big.NewInt(int64(len(codeAlphabet))))
		b[i] = codeAlphabet[d.Int64()]
	}
	return string(b)
}

// newGroupID returns an id not used by any group.
func (c *call) newGroupID() string {
	for {
		id := groupIDPrefix + randomDigits(12)
		if _, taken := c.st.Groups[id]; !taken {
			return id
		}
	}
}

// newInviteCode returns a 22-character code (the length of real
// chat.whatsapp.com codes) never used before, current or revoked.
func (c *call) newInviteCode() string {
	for {
		code := randomCode(22)
		if g, _ := c.st.byInvite(code); g == nil {
			return code
		}
	}
}

// newDescriptionID mimics whatsmeow's GenerateMessageID-style ids, used
// when a SetGroupDescription request carries no id.
func newDescriptionID() string { return "3EB0" + strings.ToUpper(randomCode(16)) }
