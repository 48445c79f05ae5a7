package httpapi

import (
	"context"
	"strings"

	"github.com/switchboard/switchboard"
)

// SandboxPhones records which account owns each simulated phone (digits only). A phone belongs
// to the account that created it (POST /sandbox/users) or paired it (scan, pairing code, or a
// pairing code requested with /connect?number=); the /sandbox routes answer 404 for anyone
// else's, so one tenant can neither pair an instance to another's phone (and read its groups)
// nor fault, inspect or cancel the pairing of what is not its own.
type SandboxPhones interface {
	// SandboxPhoneOwner returns the phone's owner; found is false when nobody owns it.
	SandboxPhoneOwner(ctx context.Context, phone string) (accountID int64, found bool, err error)
	// ClaimSandboxPhone makes accountID the owner unless the phone has one, and returns the
	// owner either way.
	ClaimSandboxPhone(ctx context.Context, phone string, accountID int64) (owner int64, err error)
	// SandboxPhones lists the phones an account owns.
	SandboxPhones(ctx context.Context, accountID int64) ([]string, error)
}

// notYourPhone is the one answer for a phone the caller does not own, whether it belongs to
// another account, exists unowned in the simulator, or does not exist: the three must read alike.
func notYourPhone(phone string) error {
	return switchboard.Errorf(switchboard.CodeNotFound, "No simulated phone %s in this account", phone)
}

// ownPhone checks that phone belongs to accountID. With claim, a phone nobody owns and the
// simulator does not know yet (a new number) is claimed for accountID; a phone the simulator
// already has without an owner here (another gateway's on a shared simulator, or one made before
// phones had owners) is nobody's to take.
func (s *Server) ownPhone(ctx context.Context, accountID int64, phone string, claim bool) error {
	owner, found, err := s.cfg.SandboxPhones.SandboxPhoneOwner(ctx, phone)
	switch {
	case err != nil:
		return err
	case found && owner == accountID:
		return nil
	case found || !claim:
		return notYourPhone(phone)
	}
	exists, err := s.cfg.Sandbox.PhoneExists(ctx, phone)
	if err != nil {
		return err
	}
	if exists {
		return notYourPhone(phone)
	}
	if owner, err = s.cfg.SandboxPhones.ClaimSandboxPhone(ctx, phone, accountID); err != nil {
		return err
	}
	if owner != accountID {
		return notYourPhone(phone)
	}
	return nil
}

// claimPairedPhone records the owner of a phone the simulator chose (a scan without a phone).
func (s *Server) claimPairedPhone(ctx context.Context, accountID int64, phone string) error {
	owner, err := s.cfg.SandboxPhones.ClaimSandboxPhone(ctx, phone, accountID)
	if err != nil {
		return err
	}
	if owner != accountID {
		return notYourPhone(phone)
	}
	return nil
}

// ownUserJID is ownPhone without claiming, for a member given as a user JID.
func (s *Server) ownUserJID(ctx context.Context, accountID int64, jid string) error {
	return s.ownPhone(ctx, accountID, strings.TrimSuffix(jid, "@"+switchboard.ServerUser), false)
}

// canSeeGroup reports whether one of the group's members is a phone of the account: the group
// is then part of that account's simulated world, and its ground truth is the account's to read.
func (s *Server) canSeeGroup(ctx context.Context, accountID int64, g SandboxGroup) (bool, error) {
	phones, err := s.cfg.SandboxPhones.SandboxPhones(ctx, accountID)
	if err != nil || len(phones) == 0 {
		return false, err
	}
	mine := make(map[string]bool, len(phones))
	for _, p := range phones {
		mine[p] = true
	}
	for _, p := range g.Participants {
		if jid, err := switchboard.ParseJID(p.JID); err == nil && mine[jid.User] {
			return true, nil
		}
	}
	return false, nil
}

// ownGroupRequest checks that every member of a group to create, and its parent community, are
// the caller's.
func (s *Server) ownGroupRequest(ctx context.Context, accountID int64, req SandboxGroupRequest) error {
	members := append(append([]string{req.Owner}, req.Participants...), req.Admins...)
	for _, jid := range members {
		if err := s.ownUserJID(ctx, accountID, jid); err != nil {
			return err
		}
	}
	if req.ParentJID != "" {
		if _, err := s.visibleGroup(ctx, accountID, req.ParentJID); err != nil {
			return err
		}
	}
	return nil
}

// visibleGroup is the simulator's group when one of its members is the caller's, else the same
// 404 as a group that does not exist.
func (s *Server) visibleGroup(ctx context.Context, accountID int64, jid string) (SandboxGroup, error) {
	g, err := s.cfg.Sandbox.Group(ctx, jid)
	if err != nil {
		return SandboxGroup{}, sessionFailed("Sandbox group lookup failed", err)
	}
	ok, err := s.canSeeGroup(ctx, accountID, g)
	if err != nil {
		return SandboxGroup{}, err
	}
	if !ok {
		return SandboxGroup{}, switchboard.Errorf(switchboard.CodeNotFound, "Group not found")
	}
	return g, nil
}

// claimConnectPhone is /connect?number= in the sandbox: the pairing code about to be shown is
// for a phone of the instance's account, so no other tenant can type (or mistype, cancelling it)
// a code for that phone, and a phone of another tenant cannot be asked for.
func (s *Server) claimConnectPhone(ctx context.Context, accountID int64, phone string) error {
	if s.cfg.Sandbox == nil {
		return nil
	}
	err := s.ownPhone(ctx, accountID, phone, true)
	if e, ok := err.(*switchboard.Error); ok && e.Code == switchboard.CodeNotFound {
		return switchboard.Errorf(switchboard.CodeInvalid,
			"In the sandbox, %s is another account's simulated phone: ask for a pairing code for a phone of this account, or a new number", phone)
	}
	return err
}

// ownChat checks the chat a phone of the caller's acts in: another of the caller's phones, or a
// group one of them is in. A phone of another account is out of reach like everything else of
// that account's (its instances would get messages, receipts and calls from a stranger's world).
func (s *Server) ownChat(ctx context.Context, accountID int64, chat string) error {
	if strings.HasSuffix(chat, "@"+switchboard.ServerGroup) {
		_, err := s.visibleGroup(ctx, accountID, chat)
		return err
	}
	return s.ownUserJID(ctx, accountID, chat)
}
