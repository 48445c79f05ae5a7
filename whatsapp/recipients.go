package whatsapp

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/switchboard/switchboard"
)

// recipientTTL is how long an IsOnWhatsApp answer is reused. Numbers rarely join or leave
// WhatsApp, and asking before every send would double the WhatsApp traffic of a busy instance.
const recipientTTL = 30 * time.Minute

// msgNotOnWhatsApp is the answer for a number WhatsApp does not know.
const msgNotOnWhatsApp = "The number is not on WhatsApp"

type cachedRecipient struct {
	jid     switchboard.JID
	missing bool
	at      time.Time
}

// recipientCache remembers which numbers are on WhatsApp, per instance.
type recipientCache struct {
	mu sync.Mutex
	m  map[string]cachedRecipient
}

func (c *recipientCache) get(key string, now time.Time) (cachedRecipient, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.m[key]
	if !ok || now.Sub(r.at) > recipientTTL {
		return cachedRecipient{}, false
	}
	return r, true
}

func (c *recipientCache) put(key string, r cachedRecipient) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]cachedRecipient{}
	}
	if len(c.m) > 100_000 { // a bound, not an LRU: a wipe only costs a few lookups
		clear(c.m)
	}
	c.m[key] = r
}

// numberCandidates lists the forms of a phone number to ask WhatsApp about, the given one first.
// Brazilian mobile numbers (55 + two-digit area code) exist with and without the ninth digit
// that was added in 2012-2016, and WhatsApp accounts may be registered under either.
func numberCandidates(user string) []string {
	out := []string{user}
	if !strings.HasPrefix(user, "55") {
		return out
	}
	switch len(user) {
	case 13:
		if user[4] == '9' {
			out = append(out, user[:4]+user[5:])
		}
	case 12:
		if user[4] >= '6' { // mobile numbers; landlines start with 2-5 and never took a 9
			out = append(out, user[:4]+"9"+user[4:])
		}
	}
	return out
}

// ResolveRecipient checks a phone-number JID against WhatsApp (switchboard.MessageClient).
func (c *messageClient) ResolveRecipient(ctx context.Context, to switchboard.JID) (switchboard.JID, error) {
	if to.Server != switchboard.ServerUser {
		return to, nil
	}
	key := to.User
	if r, ok := c.recipients.get(key, time.Now()); ok {
		if r.missing {
			return switchboard.JID{}, switchboard.Errorf(switchboard.CodeNotFound, msgNotOnWhatsApp)
		}
		return r.jid, nil
	}
	candidates := numberCandidates(to.User)
	query := make([]string, len(candidates))
	for i, n := range candidates {
		query[i] = "+" + n
	}
	answers, err := c.cli.IsOnWhatsApp(ctx, query)
	if err != nil {
		return switchboard.JID{}, translate(err)
	}
	found := map[string]switchboard.JID{}
	for _, a := range answers {
		if a.IsIn {
			found[strings.TrimPrefix(a.Query, "+")] = toDomainJID(a.JID.ToNonAD())
		}
	}
	for _, n := range candidates {
		if j, ok := found[n]; ok {
			c.recipients.put(key, cachedRecipient{jid: j, at: time.Now()})
			return j, nil
		}
	}
	c.recipients.put(key, cachedRecipient{missing: true, at: time.Now()})
	return switchboard.JID{}, switchboard.Errorf(switchboard.CodeNotFound, msgNotOnWhatsApp)
}
