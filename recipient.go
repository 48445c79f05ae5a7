package switchboard

import (
	"errors"
	"strings"
)

// Servers a message recipient may have besides users, LIDs and groups.
const (
	ServerNewsletter = "newsletter"
	ServerBroadcast  = "broadcast"
)

// StatusBroadcast is the chat of status posts (stories).
var StatusBroadcast = JID{User: "status", Server: ServerBroadcast}

var errBadRecipient = errors.New("use a phone number with country code, or a JID ending in @s.whatsapp.net, @lid, @g.us, @newsletter, or status@broadcast")

// ParseRecipient reads the `number` of a send route in every form RyzeAPI documents (§2.6.0):
// plain digits (punctuation of written numbers allowed), a user JID, a LID, a group, a channel
// (@newsletter) or status@broadcast. A bare number becomes a user JID; whether it is on WhatsApp
// is the MessageClient's question (ResolveRecipient).
func ParseRecipient(s string) (JID, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return JID{}, errEmptyJID
	}
	user, server, found := strings.Cut(s, "@")
	if !found {
		return NormalizeUserJID(s)
	}
	switch server {
	case ServerNewsletter:
		if !validUserPart(user, server) {
			return JID{}, errBadRecipient
		}
		return JID{User: user, Server: server}, nil
	case ServerBroadcast:
		if user != "status" {
			return JID{}, errBadRecipient
		}
		return StatusBroadcast, nil
	case ServerGroup:
		return NormalizeGroupJID(s)
	case ServerUser, ServerLID:
		return NormalizeUserJID(s)
	}
	return JID{}, errBadRecipient
}

// IsUser reports whether j is a person's chat (phone-number JID or LID).
func (j JID) IsUser() bool { return j.Server == ServerUser || j.Server == ServerLID }
