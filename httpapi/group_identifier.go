package httpapi

import (
	"context"
	"net/url"
	"strings"

	"github.com/switchboard/switchboard"
)

// Messages of the group routes. The first three are RyzeAPI's (section 3.3 and the resetLink and
// requests pages); the rest are Switchboard's where the reference is silent.
var (
	errIdentifierRequired = &switchboard.Error{Code: switchboard.CodeInvalid, Message: "Identifier is required"}
	errGroupNotFound      = &switchboard.Error{Code: switchboard.CodeNotFound, Message: "Group not found or you are not a member of this group"}
	// The old code of a reset link: the wording is the reference's (resetLink page).
	errInviteRevoked = &switchboard.Error{Code: switchboard.CodeNotFound, Message: "Invite link has been revoked or expired"}
	errInviteInvalid = &switchboard.Error{Code: switchboard.CodeInvalid, Message: "Invalid invite code or link"}
	errBadIdentifier = &switchboard.Error{Code: switchboard.CodeInvalid, Message: "Invalid identifier: use a group JID (120363...@g.us), an invite code or an invite link (https://chat.whatsapp.com/CODE)"}
)

// groupRef is a parsed `identifier`: a group JID, or an invite code that must be resolved.
type groupRef struct {
	jid  switchboard.JID
	code string
}

// parseIdentifier reads the three identifier forms of RyzeAPI section 2.0: a group JID, an
// invite code, or an invite link (whose code is extracted). Switchboard also takes a bare
// numeric group id, as listSubGroups does: invite codes are 22 random letters and digits, so an
// all-digit value is a group id, never a code.
func parseIdentifier(raw string) (groupRef, error) {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "":
		return groupRef{}, errIdentifierRequired
	case looksLikeLink(raw):
		code, ok := inviteCodeFromLink(raw)
		if !ok {
			return groupRef{}, invalid("Invalid invite link: expected https://chat.whatsapp.com/CODE")
		}
		return groupRef{code: code}, nil
	case strings.Contains(raw, "@") || isGroupID(raw):
		jid, err := switchboard.NormalizeGroupJID(raw)
		if err != nil {
			return groupRef{}, invalid("Invalid group JID: " + err.Error())
		}
		return groupRef{jid: jid}, nil
	case validInviteCode(raw):
		return groupRef{code: raw}, nil
	default:
		return groupRef{}, errBadIdentifier
	}
}

// parseInvite reads the identifier of /join, which takes a code or a link only (section 2.0:
// "JIDs are not accepted"): joining needs the code, and a JID does not carry one.
func parseInvite(raw string) (string, error) {
	ref, err := parseIdentifier(raw)
	if err != nil {
		if err == errBadIdentifier {
			return "", errInviteInvalid
		}
		return "", err
	}
	if ref.code == "" {
		return "", invalid("Join needs an invite code or an invite link, not a group JID")
	}
	return ref.code, nil
}

func looksLikeLink(s string) bool {
	return strings.Contains(s, "://") || strings.Contains(s, "/") || hasPrefixFold(s, "chat.whatsapp.com")
}

// inviteCodeFromLink accepts https://chat.whatsapp.com/CODE, with or without the scheme, with
// http, with the old /invite/ path segment, a trailing slash or a query string.
func inviteCodeFromLink(s string) (string, bool) {
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || !strings.EqualFold(u.Hostname(), "chat.whatsapp.com") {
		return "", false
	}
	path := strings.Trim(u.Path, "/")
	path = strings.TrimPrefix(path, "invite/")
	if !validInviteCode(path) {
		return "", false
	}
	return path, true
}

// validInviteCode accepts what WhatsApp issues (letters and digits) plus base64url's - and _,
// which keeps any code-shaped value for WhatsApp to judge while refusing anything that could
// not be a code (spaces, slashes, @).
func validInviteCode(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// isGroupID reports a bare numeric group id (or a legacy creator-timestamp id).
func isGroupID(s string) bool {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < '0' || s[i] > '9') && s[i] != '-' {
			return false
		}
	}
	return true
}

// resolveGroup returns the group JID an identifier names; an invite code costs one WhatsApp
// round trip, which works whether or not the instance is a member.
func resolveGroup(ctx context.Context, gc switchboard.GroupClient, ref groupRef) (switchboard.JID, error) {
	if ref.code == "" {
		return ref.jid, nil
	}
	g, err := gc.GroupInfoFromInvite(ctx, ref.code)
	if err != nil {
		return switchboard.JID{}, inviteFailure(err)
	}
	return g.JID, nil
}

// inviteFailure maps the answer to an invite-code request: WhatsApp's 410 (revoked) arrives as
// not-found and its 406 (no such code) as invalid.
func inviteFailure(err error) error {
	switch switchboard.ErrorCodeOf(err) {
	case switchboard.CodeNotFound:
		return wrapAs(errInviteRevoked, err)
	case switchboard.CodeInvalid:
		return wrapAs(errInviteInvalid, err)
	}
	return sessionFailed("WhatsApp request failed", err)
}

// The whatsapp package's messages for WhatsApp's 403 (not a member) and 401 (not an admin)
// answers. Both carry CodeForbidden, but RyzeAPI answers them differently: a non-member gets
// 404 "Group not found or you are not a member of this group", a member who is not an admin
// gets 403 with a route's own "(must be admin)" message. The domain has no finer code, so the
// message tells them apart; the e2e tests of both cases fail if the wording there changes.
const (
	waNotMember = "The instance is not a member of this group"
	waNotAdmin  = "The instance is not an admin of this group"
)

// groupFailure maps the error of an operation on a group. notAdmin is the route's 403 message
// for a member who lacks the admin role ("" keeps the whatsapp package's).
func groupFailure(err error, notAdmin string) error {
	msg := switchboard.ErrorMessageOf(err)
	switch switchboard.ErrorCodeOf(err) {
	case switchboard.CodeNotFound:
		return wrapAs(errGroupNotFound, err)
	case switchboard.CodeForbidden:
		if msg == waNotMember {
			return wrapAs(errGroupNotFound, err)
		}
		if msg == waNotAdmin && notAdmin != "" {
			return switchboard.Wrap(switchboard.CodeForbidden, notAdmin, err)
		}
	}
	return sessionFailed("WhatsApp request failed", err)
}

// wrapAs answers with e's code and message and keeps cause for the log.
func wrapAs(e *switchboard.Error, cause error) error {
	return switchboard.Wrap(e.Code, e.Message, cause)
}

// openGroup is the prologue of every route that acts on one existing group: the instance's live
// group access and the JID the identifier names (an invite code is resolved over WhatsApp).
func (s *Server) openGroup(ctx context.Context, inst *switchboard.Instance, ref groupRef) (switchboard.GroupClient, switchboard.JID, error) {
	gc, err := s.groupClient(inst)
	if err != nil {
		return nil, switchboard.JID{}, err
	}
	jid, err := resolveGroup(ctx, gc, ref)
	if err != nil {
		return nil, switchboard.JID{}, err
	}
	return gc, jid, nil
}

// groupClient is the instance's live group access, or 400 "Instance is not connected to
// WhatsApp".
func (s *Server) groupClient(inst *switchboard.Instance) (switchboard.GroupClient, error) {
	gc, err := s.cfg.Sessions.Groups(inst)
	if err != nil {
		return nil, sessionFailed("Instance is not connected to WhatsApp", err)
	}
	return gc, nil
}

// ownParticipant finds the instance among a group's members.
func ownParticipant(g *switchboard.Group, own switchboard.JID) (switchboard.Participant, bool) {
	for _, p := range g.Participants {
		if p.PhoneNumber.User == own.User && p.PhoneNumber.Server == own.Server ||
			p.JID.User == own.User && p.JID.Server == own.Server {
			return p, true
		}
	}
	return switchboard.Participant{}, false
}

// isAdminOf reports whether the instance administers g.
func isAdminOf(g *switchboard.Group, own switchboard.JID) bool {
	p, ok := ownParticipant(g, own)
	return ok && (p.IsAdmin || p.IsSuperAdmin)
}

// inviteCodeIfAdmin reads a group's current invite code for GroupInfo. Only admins may read it,
// so for others (and if the read fails) the code stays empty rather than failing the request:
// GroupInfo's other fields are still worth having.
func (s *Server) inviteCodeIfAdmin(ctx context.Context, gc switchboard.GroupClient, g *switchboard.Group) string {
	if !isAdminOf(g, gc.OwnJID()) {
		return ""
	}
	code, err := gc.InviteCode(ctx, g.JID, false)
	if err != nil {
		s.logFor(ctx).Warn("reading the group invite code failed", "group", g.JID.String(), "err", err)
		return ""
	}
	return code
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
