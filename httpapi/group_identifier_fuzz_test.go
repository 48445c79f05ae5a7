package httpapi

import (
	"strings"
	"testing"
)

// FuzzParseIdentifier checks the group identifier parser (a JID, a bare group id, an invite code
// or an invite link) and its /join variant on arbitrary text: no panic; a refusal is a 400
// domain error; an accepted value is exactly one of a group JID or a code, and a code is one that
// validInviteCode accepts, so nothing else reaches WhatsApp.
func FuzzParseIdentifier(f *testing.F) {
	for _, seed := range []string{
		"120363406289005073@g.us", "120363406289005073", "1234567890-1600000000@g.us", "AbCdEf123456",
		"https://chat.whatsapp.com/AbCdEf123456", "chat.whatsapp.com/invite/AbC_-1/", "http://chat.whatsapp.com/x?y=1",
		"https://evil.example/chat.whatsapp.com/ABC", " ", "@g.us", "5511999999999@s.whatsapp.net", "a b", "%00",
		"https://chat.whatsapp.com/%41", "https://[::1]/x", "chat.whatsapp.com", strings.Repeat("A", 65),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		ref, err := parseIdentifier(raw)
		requireClientError(t, raw, err, 400)
		if err == nil {
			switch {
			case ref.code != "" && !ref.jid.IsZero():
				t.Fatalf("%q: parsed as both code %q and JID %s", raw, ref.code, ref.jid)
			case ref.code != "" && !validInviteCode(ref.code):
				t.Fatalf("%q: code %q is not code-shaped", raw, ref.code)
			case ref.code == "" && !ref.jid.IsGroup():
				t.Fatalf("%q: JID %s is not a group", raw, ref.jid)
			}
		}
		code, err := parseInvite(raw)
		if err == nil && !validInviteCode(code) {
			t.Fatalf("%q: join code %q is not code-shaped", raw, code)
		}
		requireClientError(t, raw, err, 400)
	})
}
