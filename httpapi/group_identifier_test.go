package httpapi

import (
	"testing"

	"github.com/switchboard/switchboard"
)

func TestParseIdentifier(t *testing.T) {
	const code = "AbC123xyz_-Q"
	jid := "120363406289005073@g.us"
	cases := []struct {
		in       string
		wantJID  string
		wantCode string
		wantErr  string
	}{
		{in: jid, wantJID: jid},
		{in: "  " + jid + " ", wantJID: jid},
		{in: "120363406289005073", wantJID: jid},
		{in: "5511999999-1600000000", wantJID: "5511999999-1600000000@g.us"},
		{in: code, wantCode: code},
		{in: "https://chat.whatsapp.com/" + code, wantCode: code},
		{in: "http://chat.whatsapp.com/" + code + "/", wantCode: code},
		{in: "chat.whatsapp.com/" + code, wantCode: code},
		{in: "HTTPS://Chat.WhatsApp.com/invite/" + code + "?lang=en", wantCode: code},
		{in: "", wantErr: "Identifier is required"},
		{in: "   ", wantErr: "Identifier is required"},
		{in: "5511999999999@s.whatsapp.net", wantErr: "Invalid group JID: not a group jid"},
		{in: "1@2@g.us", wantErr: "Invalid group JID: more than one @"},
		{in: "https://example.com/" + code, wantErr: "Invalid invite link: expected https://chat.whatsapp.com/CODE"},
		{in: "https://chat.whatsapp.com/", wantErr: "Invalid invite link: expected https://chat.whatsapp.com/CODE"},
		{in: "ftp://chat.whatsapp.com/" + code, wantErr: "Invalid invite link: expected https://chat.whatsapp.com/CODE"},
		{in: "two words", wantErr: errBadIdentifier.Message},
	}
	for _, c := range cases {
		ref, err := parseIdentifier(c.in)
		if c.wantErr != "" {
			if err == nil || switchboard.ErrorMessageOf(err) != c.wantErr || switchboard.ErrorCodeOf(err) != switchboard.CodeInvalid {
				t.Errorf("parseIdentifier(%q) = %+v, %v; want 400 %q", c.in, ref, err, c.wantErr)
			}
			continue
		}
		if err != nil || ref.jid.String() != c.wantJID || ref.code != c.wantCode {
			t.Errorf("parseIdentifier(%q) = jid %q code %q err %v; want jid %q code %q", c.in, ref.jid, ref.code, err, c.wantJID, c.wantCode)
		}
	}
}

func TestParseInviteRefusesJIDs(t *testing.T) {
	for in, want := range map[string]string{
		"120363406289005073@g.us": "Join needs an invite code or an invite link, not a group JID",
		"120363406289005073":      "Join needs an invite code or an invite link, not a group JID",
		"not a code":              "Invalid invite code or link",
		"":                        "Identifier is required",
	} {
		if _, err := parseInvite(in); switchboard.ErrorMessageOf(err) != want {
			t.Errorf("parseInvite(%q): %v, want %q", in, err, want)
		}
	}
	if code, err := parseInvite("https://chat.whatsapp.com/XYZ"); err != nil || code != "XYZ" {
		t.Fatalf("parseInvite(link) = %q, %v", code, err)
	}
}

// TestParticipantPlan: duplicates collapse onto one result in request order, invalid entries
// fail without being sent, and a participant WhatsApp does not mention is not reported as done.
func TestParticipantPlan(t *testing.T) {
	plan, err := planParticipants([]string{"+55 11 99999-0001", "5511999990001@s.whatsapp.net", "bad", "bad", "5511999990002", "123456789012345@lid"})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.results) != 4 || len(plan.send) != 3 {
		t.Fatalf("results %+v, send %v", plan.results, plan.send)
	}
	lid := switchboard.JID{User: "123456789012345", Server: switchboard.ServerLID}
	plan.settle(switchboard.ActionAdd, []switchboard.ParticipantResult{
		{JID: switchboard.JID{User: "5511999990001", Server: switchboard.ServerUser}, OK: true},
		{JID: lid, Error: "409"},
	})
	want := []participantResultJSON{
		{JID: "5511999990001@s.whatsapp.net", Success: true},
		{JID: "bad", Reason: reasonInvalidNumber},
		{JID: "5511999990002@s.whatsapp.net", Reason: reasonWhatsAppError},
		{JID: "123456789012345@lid", Reason: reasonAlreadyMember},
	}
	for i, w := range want {
		got := plan.results[i]
		if got.JID != w.JID || got.Success != w.Success || got.Reason != w.Reason || (!got.Success && got.Error == "") {
			t.Errorf("result %d = %+v, want %+v with an error text", i, got, w)
		}
	}
	if plan.succeeded() != 1 {
		t.Fatalf("succeeded = %d", plan.succeeded())
	}
	if _, err := planParticipants(make([]string, maxParticipantsPerCall+1)); err == nil {
		t.Fatal("more participants than a group can hold must be refused")
	}
}
