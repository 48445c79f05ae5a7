package httpapi

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/switchboard/switchboard"
)

// fakeSandbox records what the handlers pass on.
type fakeSandbox struct {
	groupReq SandboxGroupRequest
	fault    SandboxFault
	scanned  [2]string
	message  SandboxMessage
}

func (f *fakeSandbox) Scan(_ context.Context, qr, phone string) (SandboxPhone, error) {
	f.scanned = [2]string{qr, phone}
	return SandboxPhone{Phone: phone}, nil
}

func (f *fakeSandbox) EnterPairCode(_ context.Context, phone, code string) (SandboxPhone, error) {
	if code == "WRONG-CODE" {
		return SandboxPhone{}, switchboard.Errorf(switchboard.CodeInvalid, "Pairing code does not match")
	}
	return SandboxPhone{Phone: phone, JID: phone + "@s.whatsapp.net"}, nil
}

func (f *fakeSandbox) CreateUser(_ context.Context, phone, _ string) (SandboxPhone, error) {
	return SandboxPhone{Phone: phone, JID: phone + "@s.whatsapp.net"}, nil
}

func (f *fakeSandbox) CreateGroup(_ context.Context, req SandboxGroupRequest) (SandboxGroupCreated, error) {
	f.groupReq = req
	return SandboxGroupCreated{JID: "120363000000000001@g.us", AnnouncementJID: "120363000000000002@g.us"}, nil
}

func (f *fakeSandbox) Group(_ context.Context, jid string) (SandboxGroup, error) {
	if jid != "120363000000000001@g.us" {
		return SandboxGroup{}, switchboard.Errorf(switchboard.CodeNotFound, "Group not found")
	}
	return SandboxGroup{JID: jid, Name: "Team", IsCommunity: true,
		Participants: []SandboxParticipant{{JID: "5511900000001@s.whatsapp.net", Role: "superadmin"}}}, nil
}

// PhoneExists: the fake simulator knows no phone until the API claims it, so every new number
// may be claimed.
func (f *fakeSandbox) PhoneExists(context.Context, string) (bool, error) { return false, nil }

func (f *fakeSandbox) AddFault(_ context.Context, fault SandboxFault) error {
	f.fault = fault
	return nil
}

func (f *fakeSandbox) SendMessage(_ context.Context, _ string, m SandboxMessage) (string, error) {
	f.message = m
	return "3EB0FAKE0001", nil
}

func (f *fakeSandbox) Inbox(context.Context, string, time.Time) (SandboxInbox, error) {
	return SandboxInbox{}, nil
}

func (f *fakeSandbox) SendReceipts(context.Context, string, string, []string, string) error {
	return nil
}

func (f *fakeSandbox) SetPresence(context.Context, string, string, string) error { return nil }

func (f *fakeSandbox) Call(_ context.Context, _, _, _, callID string) (string, error) {
	if callID == "" {
		callID = "FAKECALL01"
	}
	return callID, nil
}

func TestSandboxRoutes(t *testing.T) {
	sb := &fakeSandbox{}
	e := newEnv(t, func(c *Config) { c.Sandbox = sb })
	a := e.account("a", 0)
	inst := e.instance(a, "i")

	res := e.do("POST", "/sandbox/scan", a, `{"qrCode":"2@ref,k,i,a","phone":"+55 11 90000-0001"}`).Want(200)
	if res.Str("phone") != "5511900000001" || res.Str("jid") != "5511900000001@s.whatsapp.net" || res.Get("success") != true {
		t.Fatalf("scan: %s", res.Raw)
	}
	if sb.scanned != [2]string{"2@ref,k,i,a", "5511900000001"} {
		t.Fatalf("scan passed %v", sb.scanned)
	}
	if res.Header.Get("X-Switchboard-Sandbox") != "true" {
		t.Fatal("sandbox header missing")
	}
	// Every answer of a sandbox process is marked, errors and other routes included.
	if e.do("POST", "/sandbox/scan", "", `{}`).Want(401).Header.Get("X-Switchboard-Sandbox") != "true" ||
		e.do("GET", "/health", "", nil).Header.Get("X-Switchboard-Sandbox") != "true" {
		t.Fatal("sandbox header missing on other answers")
	}
	e.do("POST", "/sandbox/scan", inst, `{"qrCode":"x","phone":"5511900000001"}`).WantErrorCode(401, "Invalid token", "unauthorized")

	for _, c := range []struct{ path, body, message string }{
		{"/sandbox/scan", `{"phone":"5511900000001"}`, "qrCode is required"},
		{"/sandbox/scan", `{"qrCode":"x","phone":"12ab"}`, "phone must be a phone number of 5 to 20 digits"},
		{"/sandbox/pairCode", `{"phone":"5511900000001"}`, "code is required"},
		{"/sandbox/users", `{"phone":"+-"}`, "phone must be a phone number of 5 to 20 digits"},
		{"/sandbox/groups", `{"owner":"5511900000001"}`, "name is required"},
		{"/sandbox/groups", `{"name":"G"}`, "owner is required"},
		{"/sandbox/groups", `{"name":"G","owner":"120363@g.us"}`, "owner must be a phone number or a user JID"},
		{"/sandbox/groups", `{"name":"G","owner":"5511900000001","participants":["x"]}`, "participants must be phone numbers or user JIDs"},
		{"/sandbox/groups", `{"name":"G","owner":"5511900000001","admins":["5511900000002"]}`, "admins must be the owner or participants"},
		{"/sandbox/groups", `{"name":"G","owner":"5511900000001","isCommunity":true,"parentJid":"1203630001@g.us"}`, "a community cannot have a parentJid"},
		{"/sandbox/groups", `{"name":"G","owner":"5511900000001","parentJid":"5511900000002@s.whatsapp.net"}`, "parentJid must be a group JID"},
		{"/sandbox/faults", `{"match":"w:g2","code":500}`, "phone is required"},
		{"/sandbox/faults", `{"phone":"5511900000001","code":500}`, "match is required"},
		{"/sandbox/faults", `{"phone":"5511900000001","match":"w:g2","code":42}`, "code must be between 100 and 599"},
		{"/sandbox/faults", `{"phone":"5511900000001","match":"w:g2","code":500,"times":-2}`, "times must be between -1 and 1000 (how many requests fail; 0 or 1 once, -1 forever)"},
		{"/sandbox/faults", `{"phone":"5511900000001","match":"w:g2 links","code":500}`, "match must be one IQ xmlns or child tag, e.g. w:g2, links or message"},
		{"/sandbox/faults", `{"phone":"5511900000001","match":"w:g2","code":500,"text":"Your account is suspended, call +1 555"}`, "text must be a WhatsApp error condition such as rate-overlimit: lowercase letters, digits and '-', at most 64"},
	} {
		e.do("POST", c.path, a, c.body).WantErrorCode(400, c.message, "invalid")
	}

	e.do("POST", "/sandbox/pairCode", a, `{"phone":"5511900000001","code":"WRONG-CODE"}`).WantErrorCode(400, "Pairing code does not match", "invalid")
	res = e.do("POST", "/sandbox/pairCode", a, `{"phone":"5511900000001","code":"ABCD-EFGH"}`).Want(200)
	if res.Str("jid") != "5511900000001@s.whatsapp.net" {
		t.Fatalf("pairCode: %s", res.Raw)
	}
	e.do("POST", "/sandbox/users", a, `{"phone":"5511900000002","name":"Ana"}`).Want(200)

	res = e.do("POST", "/sandbox/groups", a, `{"name":" Team ","owner":"5511900000001","participants":["5511900000002","5511900000002@s.whatsapp.net"],"admins":["5511900000002"],"isCommunity":true}`).Want(200)
	if res.Str("jid") != "120363000000000001@g.us" || res.Str("announcementJid") != "120363000000000002@g.us" {
		t.Fatalf("group create: %s", res.Raw)
	}
	wantReq := SandboxGroupRequest{Name: "Team", Owner: "5511900000001@s.whatsapp.net",
		Participants: []string{"5511900000002@s.whatsapp.net"}, Admins: []string{"5511900000002@s.whatsapp.net"}, IsCommunity: true}
	if !reflect.DeepEqual(sb.groupReq, wantReq) {
		t.Fatalf("group request = %+v, want %+v", sb.groupReq, wantReq)
	}

	res = e.do("GET", "/sandbox/groups/120363000000000001", a, nil).Want(200)
	if res.Str("group.jid") != "120363000000000001@g.us" || res.Get("group.isCommunity") != true ||
		res.Str("group.participants.0.role") != "superadmin" || res.Get("group.subGroups") == nil {
		t.Fatalf("group get: %s", res.Raw)
	}
	e.do("GET", "/sandbox/groups/120363000000000009@g.us", a, nil).WantErrorCode(404, "Group not found", "not_found")
	e.do("GET", "/sandbox/groups/not-a-jid", a, nil).WantErrorCode(400, "jid must be a group JID", "invalid")

	res = e.do("POST", "/sandbox/faults", a, `{"phone":"5511900000001","match":"links","code":429,"text":"rate-overlimit","times":2}`).Want(200)
	if res.Get("success") != true || sb.fault != (SandboxFault{Phone: "5511900000001", Match: "links", Code: 429, Text: "rate-overlimit", Times: 2}) {
		t.Fatalf("fault: %s %+v", res.Raw, sb.fault)
	}
	// A message fault may name its recipient: a phone's digits or a group's id.
	e.do("POST", "/sandbox/faults", a, `{"phone":"5511900000001","match":"message","to":"+55 11 90000-0002","code":463}`).Want(200)
	if sb.fault.To != "5511900000002" || sb.fault.Match != "message" {
		t.Fatalf("fault to a phone: %+v", sb.fault)
	}
	e.do("POST", "/sandbox/faults", a, `{"phone":"5511900000001","match":"message","to":"120363000000000001@g.us","code":479}`).Want(200)
	if sb.fault.To != "120363000000000001" {
		t.Fatalf("fault to a group: %+v", sb.fault)
	}
	e.do("POST", "/sandbox/faults", a, `{"phone":"5511900000001","match":"links","to":"5511900000002","code":429}`).
		WantErrorCode(400, "to applies only to match message", "invalid")
	e.do("POST", "/sandbox/faults", a, `{"phone":"5511900000001","match":"message","to":"bob@example.com","code":463}`).
		WantErrorCode(400, "to must be a phone number or a group JID", "invalid")
}
