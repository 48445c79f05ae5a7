package switchboard

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// WhatsApp servers that appear in the JIDs this gateway handles.
const (
	ServerUser  = "s.whatsapp.net"
	ServerGroup = "g.us"
	ServerLID   = "lid"
)

// JID is a WhatsApp address. The domain keeps its own type so that whatsmeow's types stop at the
// whatsapp package; Device is non-zero only for a linked device's address.
type JID struct {
	User   string
	Server string
	Device uint16
}

// String formats the JID as WhatsApp writes it: user[:device]@server.
func (j JID) String() string {
	if j.Server == "" {
		return ""
	}
	if j.User == "" {
		return j.Server
	}
	if j.Device != 0 {
		return j.User + ":" + strconv.Itoa(int(j.Device)) + "@" + j.Server
	}
	return j.User + "@" + j.Server
}

// IsZero reports whether the JID is empty.
func (j JID) IsZero() bool { return j.User == "" && j.Server == "" }

// IsGroup reports whether the JID addresses a group or community.
func (j JID) IsGroup() bool { return j.Server == ServerGroup }

// ToNonAD drops the device part.
func (j JID) ToNonAD() JID { return JID{User: j.User, Server: j.Server} }

var (
	errEmptyJID       = errors.New("empty jid")
	errTwoAt          = errors.New("more than one @")
	errBadServer      = errors.New("unknown server")
	errBadUser        = errors.New("invalid user part")
	errBadDevice      = errors.New("invalid device")
	errNotGroupServer = errors.New("not a group jid")
)

// ParseJID parses user[:device]@server for the servers this gateway knows. It refuses anything
// it could not format back to the same string, so a parsed JID is always safe to send to WhatsApp.
func ParseJID(s string) (JID, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return JID{}, errEmptyJID
	}
	at := strings.IndexByte(s, '@')
	if at < 0 {
		return JID{}, errBadServer
	}
	if strings.IndexByte(s[at+1:], '@') >= 0 {
		return JID{}, errTwoAt
	}
	user, server := s[:at], s[at+1:]
	switch server {
	case ServerUser, ServerGroup, ServerLID:
	default:
		return JID{}, errBadServer
	}
	var device uint16
	if colon := strings.IndexByte(user, ':'); colon >= 0 {
		if server == ServerGroup {
			return JID{}, errBadDevice
		}
		d, err := strconv.ParseUint(user[colon+1:], 10, 16)
		if err != nil || d == 0 || d > 99 {
			return JID{}, errBadDevice
		}
		device = uint16(d)
		user = user[:colon]
	}
	if !validUserPart(user, server) {
		return JID{}, errBadUser
	}
	return JID{User: user, Server: server, Device: device}, nil
}

// validUserPart accepts digits, plus the dash of legacy group ids (creator-timestamp).
func validUserPart(user, server string) bool {
	if user == "" || len(user) > 40 {
		return false
	}
	for i, r := range user {
		switch {
		case r >= '0' && r <= '9':
		case r == '-' && server == ServerGroup && i > 0 && i < len(user)-1:
		default:
			return false
		}
	}
	return true
}

// NormalizeGroupJID accepts a group JID or a bare numeric group id (to which it appends @g.us, as
// the reference does) and returns the group JID.
func NormalizeGroupJID(s string) (JID, error) {
	s = strings.TrimSpace(s)
	if s != "" && !strings.Contains(s, "@") {
		s += "@" + ServerGroup
	}
	j, err := ParseJID(s)
	if err != nil {
		return JID{}, err
	}
	if !j.IsGroup() {
		return JID{}, errNotGroupServer
	}
	return j, nil
}

// NormalizeUserJID accepts a phone number (digits, optionally with +, spaces or dashes), a
// user JID or a LID, and returns the user's non-device JID.
func NormalizeUserJID(s string) (JID, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "@") {
		digits := PhoneDigits(s)
		if digits == "" {
			return JID{}, errBadUser
		}
		return JID{User: digits, Server: ServerUser}, nil
	}
	j, err := ParseJID(s)
	if err != nil {
		return JID{}, err
	}
	if j.IsGroup() {
		return JID{}, errBadServer
	}
	return j.ToNonAD(), nil
}

// The length bounds of a phone number in digits, country code included: wide enough for every
// numbering plan, narrow enough to refuse what cannot be a number.
const (
	MinPhoneDigits = 5
	MaxPhoneDigits = 20
)

// PhoneLengthRule says the bounds in messages, from the constants so the two cannot drift.
var PhoneLengthRule = fmt.Sprintf("%d to %d digits", MinPhoneDigits, MaxPhoneDigits)

// PhoneDigits strips the punctuation people write in phone numbers and returns the digits, or ""
// when the input holds anything else or is not MinPhoneDigits to MaxPhoneDigits long.
func PhoneDigits(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' || r == ' ' || r == '-' || r == '(' || r == ')' || r == '.':
		default:
			return ""
		}
	}
	if b.Len() < MinPhoneDigits || b.Len() > MaxPhoneDigits {
		return ""
	}
	return b.String()
}
