package app

import (
	"context"
	"errors"
	"strings"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/httpapi"
	"github.com/switchboard/switchboard/wasim"
)

// remoteSandbox serves the /sandbox routes from a standalone simulator (`serve --sandbox-url`)
// through its control API, so several gateways share one simulated WhatsApp. It answers exactly
// as simSandbox does for the embedded one: the control client hands back the simulator's own
// errors, which go through the same sandboxError.
type remoteSandbox struct {
	sim *wasim.ControlClient
	sandboxPhones
}

var _ httpapi.Sandbox = (*remoteSandbox)(nil)

func newRemoteSandbox(baseURL, token string) *remoteSandbox {
	sim := wasim.NewControlClient(baseURL, token)
	return &remoteSandbox{sim: sim, sandboxPhones: sandboxPhones{driver: sim, fail: func(err error) error { return remoteError(err, "") }}}
}

func (s *remoteSandbox) Scan(ctx context.Context, qrCode, phone string) (httpapi.SandboxPhone, error) {
	dev, err := s.sim.ScanQR(ctx, qrCode, phone)
	if err != nil {
		return httpapi.SandboxPhone{}, remoteError(err, qrExpired)
	}
	return phoneOf(dev), nil
}

func (s *remoteSandbox) EnterPairCode(ctx context.Context, phone, code string) (httpapi.SandboxPhone, error) {
	dev, err := s.sim.EnterPairCode(ctx, phone, code)
	if err != nil {
		return httpapi.SandboxPhone{}, remoteError(err, "No instance is waiting for a pairing code of this phone")
	}
	return phoneOf(dev), nil
}

func (s *remoteSandbox) CreateUser(ctx context.Context, phone, name string) (httpapi.SandboxPhone, error) {
	jid, err := s.sim.RegisterPhone(ctx, phone, name)
	if err != nil {
		return httpapi.SandboxPhone{}, remoteError(err, "")
	}
	return phoneOf(jid), nil
}

func (s *remoteSandbox) CreateGroup(ctx context.Context, req httpapi.SandboxGroupRequest) (httpapi.SandboxGroupCreated, error) {
	owner, err := s.user(ctx, req.Owner)
	if err != nil {
		return httpapi.SandboxGroupCreated{}, err
	}
	sim := wasim.CreateGroupRequest{Owner: owner, Name: req.Name, IsCommunity: req.IsCommunity}
	if sim.Participants, err = s.users(ctx, req.Participants); err != nil {
		return httpapi.SandboxGroupCreated{}, err
	}
	if sim.Admins, err = s.users(ctx, req.Admins); err != nil {
		return httpapi.SandboxGroupCreated{}, err
	}
	if req.ParentJID != "" {
		if sim.Parent, err = types.ParseJID(req.ParentJID); err != nil {
			return httpapi.SandboxGroupCreated{}, switchboard.Errorf(switchboard.CodeInvalid, "parentJid is not a group JID")
		}
	}
	view, err := s.sim.CreateGroup(ctx, sim)
	if err != nil {
		return httpapi.SandboxGroupCreated{}, remoteError(err, "")
	}
	created := httpapi.SandboxGroupCreated{JID: view.JID.String()}
	if view.IsCommunity && len(view.SubGroups) > 0 {
		// The simulator lists a community's announcement group first.
		created.AnnouncementJID = view.SubGroups[0].String()
	}
	return created, nil
}

func (s *remoteSandbox) Group(ctx context.Context, jid string) (httpapi.SandboxGroup, error) {
	parsed, err := types.ParseJID(jid)
	if err != nil {
		return httpapi.SandboxGroup{}, switchboard.Errorf(switchboard.CodeInvalid, "jid is not a group JID")
	}
	view, ok, err := s.sim.Group(ctx, parsed)
	switch {
	case err != nil:
		return httpapi.SandboxGroup{}, remoteError(err, "")
	case !ok:
		return httpapi.SandboxGroup{}, switchboard.Errorf(switchboard.CodeNotFound, "Group not found")
	}
	return sandboxGroupOf(view), nil
}

func (s *remoteSandbox) PhoneExists(ctx context.Context, phone string) (bool, error) {
	_, ok, err := s.sim.LookupUser(ctx, types.NewJID(phone, types.DefaultUserServer))
	if err != nil {
		return false, remoteError(err, "")
	}
	return ok, nil
}

func (s *remoteSandbox) AddFault(ctx context.Context, f httpapi.SandboxFault) error {
	times := f.Times
	if times > 0 {
		// The simulator counts extra firings (0 = once); the API counts firings (1 = once).
		times--
	}
	err := s.sim.AddFault(ctx, wasim.FaultRule{Phone: f.Phone, Match: f.Match, Code: f.Code, Text: f.Text, Times: times})
	if err != nil {
		return remoteError(err, "")
	}
	return nil
}

// user resolves a phone number or user JID to the phone JID of a registered simulated user. The
// group engine takes members by phone JID and silently skips anyone else (as WhatsApp skips
// numbers not on WhatsApp), so the lookup only proves the user exists: an unknown phone is the
// caller's mistake, reported rather than skipped.
func (s *remoteSandbox) user(ctx context.Context, phoneOrJID string) (types.JID, error) {
	phone := switchboard.PhoneDigits(strings.TrimSuffix(phoneOrJID, "@"+types.DefaultUserServer))
	jid := types.NewJID(phone, types.DefaultUserServer)
	_, ok, err := s.sim.LookupUser(ctx, jid)
	switch {
	case err != nil:
		return types.EmptyJID, remoteError(err, "")
	case !ok:
		return types.EmptyJID, switchboard.Errorf(switchboard.CodeNotFound, "No simulated user has the phone %s", phone)
	}
	return jid, nil
}

func (s *remoteSandbox) users(ctx context.Context, list []string) ([]types.JID, error) {
	out := make([]types.JID, 0, len(list))
	for _, p := range list {
		jid, err := s.user(ctx, p)
		if err != nil {
			return nil, err
		}
		out = append(out, jid)
	}
	return out, nil
}

// remoteError is sandboxError for a simulator behind the network: refusals read as they do from
// the embedded simulator, and a simulator that cannot be reached is the server's failure (500),
// not the caller's.
func remoteError(err error, notPending string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, wasim.ErrControlUnavailable) {
		return switchboard.Wrap(switchboard.CodeInternal, "The sandbox simulator is unreachable", err)
	}
	return sandboxError(err, notPending)
}

// sandboxGroupOf is the simulator's view of a group as the sandbox API shows it.
func sandboxGroupOf(view wasim.GroupView) httpapi.SandboxGroup {
	g := httpapi.SandboxGroup{
		JID:               view.JID.String(),
		Name:              view.Name,
		IsCommunity:       view.IsCommunity,
		IsDefaultSubGroup: view.IsDefaultSubGroup,
		SubGroups:         make([]string, 0, len(view.SubGroups)),
	}
	if !view.Parent.IsEmpty() {
		g.ParentJID = view.Parent.String()
	}
	for _, p := range view.Participants {
		g.Participants = append(g.Participants, httpapi.SandboxParticipant{JID: p.JID.String(), Role: p.Role})
	}
	for _, sub := range view.SubGroups {
		g.SubGroups = append(g.SubGroups, sub.String())
	}
	return g
}
