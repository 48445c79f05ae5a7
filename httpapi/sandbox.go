package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/switchboard/switchboard"
)

// Sandbox plays the other side of WhatsApp in --sandbox mode: simulated phones and users,
// groups they own, and injected faults. It is implemented over wasim by the program's wiring.
// Phones are digits only; Owner, Participants and Admins are user JIDs
// (<digits>@s.whatsapp.net); JIDs of groups end in @g.us. Errors should be *switchboard.Error
// (CodeNotFound for an unknown phone or group, CodeInvalid for a refused request).
type Sandbox interface {
	// Scan has the simulated phone scan the QR text an instance displays, pairing it.
	Scan(ctx context.Context, qrCode, phone string) (SandboxPhone, error)
	// EnterPairCode has the simulated phone type a pairing code.
	EnterPairCode(ctx context.Context, phone, code string) (SandboxPhone, error)
	// CreateUser registers a simulated WhatsApp user without a gateway client behind it.
	CreateUser(ctx context.Context, phone, name string) (SandboxPhone, error)
	// CreateGroup creates a group or community owned by a simulated user.
	CreateGroup(ctx context.Context, req SandboxGroupRequest) (SandboxGroupCreated, error)
	// Group returns the simulator's ground truth about a group.
	Group(ctx context.Context, jid string) (SandboxGroup, error)
	// PhoneExists reports whether the simulator has a user with this phone.
	PhoneExists(ctx context.Context, phone string) (bool, error)
	// AddFault makes the next Times requests of Phone matching Match fail with Code and Text.
	AddFault(ctx context.Context, f SandboxFault) error
	// SendMessage has the simulated phone from send a message, encrypted to the recipient's
	// devices as a real phone would; it returns the message id.
	SendMessage(ctx context.Context, from string, m SandboxMessage) (string, error)
	// Inbox returns what the phone received at or after since (everything for a zero since).
	Inbox(ctx context.Context, phone string, since time.Time) (SandboxInbox, error)
	// SendReceipts has the phone send read or played receipts for messages it received in chat.
	SendReceipts(ctx context.Context, phone, chat string, ids []string, typ string) error
	// SetPresence sets the phone's presence (available, unavailable) or, with to, its chat
	// state there (composing, recording, paused).
	SetPresence(ctx context.Context, phone, to, state string) error
	// Call has the phone offer a voice call to a user, or end one (action offer or terminate);
	// it returns the call id (callID, or a new one when empty).
	Call(ctx context.Context, from, to, action, callID string) (string, error)
}

// SandboxPhone is a simulated phone number and its user JID.
type SandboxPhone struct{ Phone, JID string }

// SandboxGroupRequest describes a group to create in the simulator.
type SandboxGroupRequest struct {
	Name         string
	Owner        string
	Participants []string
	Admins       []string
	IsCommunity  bool
	ParentJID    string
}

// SandboxGroupCreated is a new group's JID and, for a community, its announcement group's JID.
type SandboxGroupCreated struct{ JID, AnnouncementJID string }

// SandboxGroup is a group as the simulator holds it.
type SandboxGroup struct {
	JID               string
	Name              string
	IsCommunity       bool
	IsDefaultSubGroup bool
	ParentJID         string
	Participants      []SandboxParticipant
	SubGroups         []string
}

// SandboxParticipant is a group member and its role: "", "admin" or "superadmin".
type SandboxParticipant struct{ JID, Role string }

// SandboxFault is a fault rule for one phone (the API requires one of the caller's); Match is an IQ xmlns or the tag
// of its child ("w:g2", "links") or "message"; To limits a "message" rule to sends to one user
// (digits) or group (its id); Times is how many requests fail: 0 (the default) and 1 mean once,
// -1 forever.
type SandboxFault struct {
	Phone string
	Match string
	To    string
	Code  int
	Text  string
	Times int
}

// Limits of sandbox inputs; generous, but finite so the simulator's memory is too.
const (
	maxSandboxText         = 512
	maxSandboxParticipants = 1024
)

// faultTextPattern is the shape of a WhatsApp error condition ("rate-overlimit",
// "item-not-found"). The text reaches API answers of the faulted instance ("WhatsApp answered
// with an error (500 text)"), so free text would let a caller put any words there.
var faultTextPattern = regexp.MustCompile(`^[a-z0-9-]{0,64}$`)

type sandboxPhoneResponse struct {
	envelope
	Phone string `json:"phone"`
	JID   string `json:"jid"`
}

// writeSandboxPhone answers with the phone and its JID, filling what the simulator left empty
// from the phone the client asked for, so the documented fields are always there.
func writeSandboxPhone(w http.ResponseWriter, message, phone string, p SandboxPhone) {
	if p.Phone == "" {
		p.Phone = phone
	}
	if p.JID == "" {
		p.JID = switchboard.JID{User: p.Phone, Server: switchboard.ServerUser}.String()
	}
	writeJSON(w, http.StatusOK, sandboxPhoneResponse{envelope: ok(message), Phone: p.Phone, JID: p.JID})
}

// sandboxPhone validates a phone field and returns its digits.
func sandboxPhone(field, value string) (string, error) {
	if strings.TrimSpace(value) == "" {
		return "", invalid(field + " is required")
	}
	digits := switchboard.PhoneDigits(value)
	if digits == "" {
		return "", invalid(field + " must be a phone number of " + switchboard.PhoneLengthRule)
	}
	return digits, nil
}

// optionalSandboxPhone is sandboxPhone for a phone the simulator may choose: empty gives "",
// and the simulator then allocates an unused number.
func optionalSandboxPhone(value string) (string, error) {
	if strings.TrimSpace(value) == "" {
		return "", nil
	}
	return sandboxPhone("phone", value)
}

// sandboxText validates a free-text field.
func sandboxText(field, value string, required bool) (string, error) {
	value = strings.TrimSpace(value)
	switch {
	case value == "" && required:
		return "", invalid(field + " is required")
	case !utf8.ValidString(value) || len(value) > maxSandboxText:
		return "", invalid(fmt.Sprintf("%s must be valid text of at most %d bytes", field, maxSandboxText))
	}
	return value, nil
}

type sandboxScanRequest struct {
	QRCode string `json:"qrCode"`
	Phone  string `json:"phone"`
}

func (s *Server) handleSandboxScan(w http.ResponseWriter, r *http.Request) error {
	var req sandboxScanRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	qr, err := sandboxText("qrCode", req.QRCode, true)
	if err != nil {
		return err
	}
	phone, err := optionalSandboxPhone(req.Phone)
	if err != nil {
		return err
	}
	p, err := s.asCallersPhone(r.Context(), phone, "Sandbox scan failed", func() (SandboxPhone, error) {
		return s.cfg.Sandbox.Scan(r.Context(), qr, phone)
	})
	if err != nil {
		return err
	}
	writeSandboxPhone(w, "QR code scanned", phone, p)
	return nil
}

// asCallersPhone runs act as the caller's phone: a phone named must be one of the caller's
// account (refused otherwise), and a phone the simulator makes up because none was named becomes
// the caller's. failure is the message of act's error.
func (s *Server) asCallersPhone(ctx context.Context, phone, failure string, act func() (SandboxPhone, error)) (SandboxPhone, error) {
	account := principalFrom(ctx).accountID
	if phone != "" {
		if err := s.ownPhone(ctx, account, phone, true); err != nil {
			return SandboxPhone{}, err
		}
	}
	p, err := act()
	if err != nil {
		return SandboxPhone{}, sessionFailed(failure, err)
	}
	if phone == "" && p.Phone != "" {
		if err := s.claimPairedPhone(ctx, account, p.Phone); err != nil {
			return SandboxPhone{}, err
		}
	}
	return p, nil
}

type sandboxPairCodeRequest struct {
	Phone string `json:"phone"`
	Code  string `json:"code"`
}

func (s *Server) handleSandboxPairCode(w http.ResponseWriter, r *http.Request) error {
	var req sandboxPairCodeRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	phone, err := sandboxPhone("phone", req.Phone)
	if err != nil {
		return err
	}
	code, err := sandboxText("code", req.Code, true)
	if err != nil {
		return err
	}
	// Only the phone's owner types its codes: a stranger's wrong guess would cancel the pairing.
	if err := s.ownPhone(r.Context(), principalFrom(r.Context()).accountID, phone, true); err != nil {
		return err
	}
	p, err := s.cfg.Sandbox.EnterPairCode(r.Context(), phone, code)
	if err != nil {
		return sessionFailed("Sandbox pairing failed", err)
	}
	writeSandboxPhone(w, "Pairing code entered", phone, p)
	return nil
}

type sandboxUserRequest struct {
	Phone string `json:"phone"`
	Name  string `json:"name"`
}

func (s *Server) handleSandboxUser(w http.ResponseWriter, r *http.Request) error {
	var req sandboxUserRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	phone, err := optionalSandboxPhone(req.Phone)
	if err != nil {
		return err
	}
	name, err := sandboxText("name", req.Name, false)
	if err != nil {
		return err
	}
	p, err := s.asCallersPhone(r.Context(), phone, "Sandbox user creation failed", func() (SandboxPhone, error) {
		return s.cfg.Sandbox.CreateUser(r.Context(), phone, name)
	})
	if err != nil {
		return err
	}
	writeSandboxPhone(w, "User created", phone, p)
	return nil
}

type sandboxGroupRequest struct {
	Name         string   `json:"name"`
	Owner        string   `json:"owner"`
	Participants []string `json:"participants"`
	Admins       []string `json:"admins"`
	IsCommunity  bool     `json:"isCommunity"`
	ParentJID    string   `json:"parentJid"`
}

type sandboxGroupCreatedResponse struct {
	envelope
	JID             string `json:"jid"`
	AnnouncementJID string `json:"announcementJid"`
}

func (s *Server) handleSandboxGroupCreate(w http.ResponseWriter, r *http.Request) error {
	var body sandboxGroupRequest
	if err := decodeJSON(r, &body); err != nil {
		return err
	}
	req, err := body.validate()
	if err != nil {
		return err
	}
	if err := s.ownGroupRequest(r.Context(), principalFrom(r.Context()).accountID, req); err != nil {
		return err
	}
	created, err := s.cfg.Sandbox.CreateGroup(r.Context(), req)
	if err != nil {
		return sessionFailed("Sandbox group creation failed", err)
	}
	writeJSON(w, http.StatusOK, sandboxGroupCreatedResponse{envelope: ok("Group created"), JID: created.JID, AnnouncementJID: created.AnnouncementJID})
	return nil
}

// validate normalises every address to a JID and checks that admins are members.
func (b sandboxGroupRequest) validate() (SandboxGroupRequest, error) {
	name, err := sandboxText("name", b.Name, true)
	if err != nil {
		return SandboxGroupRequest{}, err
	}
	if strings.TrimSpace(b.Owner) == "" {
		return SandboxGroupRequest{}, invalid("owner is required")
	}
	owner, err := switchboard.NormalizeUserJID(b.Owner)
	if err != nil {
		return SandboxGroupRequest{}, invalid("owner must be a phone number or a user JID")
	}
	if len(b.Participants) > maxSandboxParticipants || len(b.Admins) > maxSandboxParticipants {
		return SandboxGroupRequest{}, invalid("participants and admins are limited to 1024 entries each")
	}
	req := SandboxGroupRequest{Name: name, Owner: owner.String(), IsCommunity: b.IsCommunity}
	members := map[string]bool{req.Owner: true}
	for _, p := range b.Participants {
		jid, err := switchboard.NormalizeUserJID(p)
		if err != nil {
			return SandboxGroupRequest{}, invalid("participants must be phone numbers or user JIDs")
		}
		if !members[jid.String()] {
			members[jid.String()] = true
			req.Participants = append(req.Participants, jid.String())
		}
	}
	for _, a := range b.Admins {
		jid, err := switchboard.NormalizeUserJID(a)
		if err != nil {
			return SandboxGroupRequest{}, invalid("admins must be phone numbers or user JIDs")
		}
		if !members[jid.String()] {
			return SandboxGroupRequest{}, invalid("admins must be the owner or participants")
		}
		req.Admins = append(req.Admins, jid.String())
	}
	if b.ParentJID != "" {
		if b.IsCommunity {
			return SandboxGroupRequest{}, invalid("a community cannot have a parentJid")
		}
		parent, err := switchboard.NormalizeGroupJID(b.ParentJID)
		if err != nil {
			return SandboxGroupRequest{}, invalid("parentJid must be a group JID")
		}
		req.ParentJID = parent.String()
	}
	return req, nil
}

type sandboxGroupResponse struct {
	envelope
	Group sandboxGroupJSON `json:"group"`
}

type sandboxGroupJSON struct {
	JID               string                   `json:"jid"`
	Name              string                   `json:"name"`
	IsCommunity       bool                     `json:"isCommunity"`
	IsDefaultSubGroup bool                     `json:"isDefaultSubGroup"`
	ParentJID         string                   `json:"parentJid"`
	Participants      []sandboxParticipantJSON `json:"participants"`
	SubGroups         []string                 `json:"subGroups"`
}

type sandboxParticipantJSON struct {
	JID  string `json:"jid"`
	Role string `json:"role"`
}

func (s *Server) handleSandboxGroupGet(w http.ResponseWriter, r *http.Request) error {
	jid, err := switchboard.NormalizeGroupJID(r.PathValue("jid"))
	if err != nil {
		return invalid("jid must be a group JID")
	}
	g, err := s.visibleGroup(r.Context(), principalFrom(r.Context()).accountID, jid.String())
	if err != nil {
		return err
	}
	view := sandboxGroupJSON{
		JID: g.JID, Name: g.Name, IsCommunity: g.IsCommunity, IsDefaultSubGroup: g.IsDefaultSubGroup,
		ParentJID: g.ParentJID, Participants: []sandboxParticipantJSON{}, SubGroups: []string{},
	}
	for _, p := range g.Participants {
		view.Participants = append(view.Participants, sandboxParticipantJSON(p))
	}
	view.SubGroups = append(view.SubGroups, g.SubGroups...)
	writeJSON(w, http.StatusOK, sandboxGroupResponse{envelope: ok("Group found"), Group: view})
	return nil
}

// sandboxFaultRecipient reads a fault's optional `to`: a phone number or a group JID, only for
// match "message" (the one rule that has a recipient). It returns the JID's user part, which is
// what the simulator compares.
func sandboxFaultRecipient(match, to string) (string, error) {
	to = strings.TrimSpace(to)
	if to == "" {
		return "", nil
	}
	if match != "message" {
		return "", invalid("to applies only to match message")
	}
	if strings.HasSuffix(to, "@g.us") {
		jid, err := switchboard.NormalizeGroupJID(to)
		if err != nil {
			return "", invalid("to must be a phone number or a group JID")
		}
		return jid.User, nil
	}
	if strings.Contains(to, "@") || switchboard.PhoneDigits(to) == "" {
		return "", invalid("to must be a phone number or a group JID")
	}
	return switchboard.PhoneDigits(to), nil
}

type sandboxFaultRequest struct {
	Phone string `json:"phone"`
	Match string `json:"match"`
	To    string `json:"to"`
	Code  int    `json:"code"`
	Text  string `json:"text"`
	Times int    `json:"times"`
}

func (s *Server) handleSandboxFault(w http.ResponseWriter, r *http.Request) error {
	var req sandboxFaultRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	fault := SandboxFault{Code: req.Code, Times: req.Times}
	var err error
	// A fault acts on one phone of the caller's: a rule for every phone would reach other
	// tenants' instances.
	if fault.Phone, err = sandboxPhone("phone", req.Phone); err != nil {
		return err
	}
	if fault.Match, err = sandboxText("match", req.Match, true); err != nil {
		return err
	}
	if fault.Text, err = sandboxText("text", req.Text, false); err != nil {
		return err
	}
	if !faultTextPattern.MatchString(fault.Text) {
		return invalid("text must be a WhatsApp error condition such as rate-overlimit: lowercase letters, digits and '-', at most 64")
	}
	if req.Code < 100 || req.Code > 599 {
		return invalid("code must be between 100 and 599")
	}
	if strings.ContainsFunc(fault.Match, unicode.IsSpace) || len(fault.Match) > 64 {
		return invalid("match must be one IQ xmlns or child tag, e.g. w:g2, links or message")
	}
	if fault.To, err = sandboxFaultRecipient(fault.Match, req.To); err != nil {
		return err
	}
	if req.Times < -1 || req.Times > 1000 {
		return invalid("times must be between -1 and 1000 (how many requests fail; 0 or 1 once, -1 forever)")
	}
	if err := s.ownPhone(r.Context(), principalFrom(r.Context()).accountID, fault.Phone, false); err != nil {
		return err
	}
	if err := s.cfg.Sandbox.AddFault(r.Context(), fault); err != nil {
		return sessionFailed("Sandbox fault injection failed", err)
	}
	writeJSON(w, http.StatusOK, ok("Fault added"))
	return nil
}
