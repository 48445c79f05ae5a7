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

// simSandbox serves the /sandbox routes from the embedded simulator.
type simSandbox struct {
	sim *wasim.Server
	sandboxPhones
}

func newSimSandbox(sim *wasim.Server) *simSandbox {
	return &simSandbox{sim: sim, sandboxPhones: sandboxPhones{driver: localPhones{sim}, fail: func(err error) error { return sandboxError(err, "") }}}
}

var _ httpapi.Sandbox = (*simSandbox)(nil)

func (s *simSandbox) Scan(ctx context.Context, qrCode, phone string) (httpapi.SandboxPhone, error) {
	dev, err := s.sim.ScanQR(ctx, qrCode, phone)
	if err != nil {
		return httpapi.SandboxPhone{}, sandboxError(err, qrExpired)
	}
	return phoneOf(dev), nil
}

func (s *simSandbox) EnterPairCode(ctx context.Context, phone, code string) (httpapi.SandboxPhone, error) {
	dev, err := s.sim.EnterPairCode(ctx, phone, code)
	if err != nil {
		return httpapi.SandboxPhone{}, sandboxError(err, "No instance is waiting for a pairing code of this phone")
	}
	return phoneOf(dev), nil
}

func (s *simSandbox) CreateUser(_ context.Context, phone, name string) (httpapi.SandboxPhone, error) {
	jid, err := s.sim.RegisterPhone(phone, name)
	if err != nil {
		return httpapi.SandboxPhone{}, sandboxError(err, "")
	}
	return phoneOf(jid), nil
}

func (s *simSandbox) CreateGroup(_ context.Context, req httpapi.SandboxGroupRequest) (httpapi.SandboxGroupCreated, error) {
	owner, err := s.user(req.Owner)
	if err != nil {
		return httpapi.SandboxGroupCreated{}, err
	}
	sim := wasim.CreateGroupRequest{Owner: owner, Name: req.Name, IsCommunity: req.IsCommunity}
	if sim.Participants, err = s.users(req.Participants); err != nil {
		return httpapi.SandboxGroupCreated{}, err
	}
	if sim.Admins, err = s.users(req.Admins); err != nil {
		return httpapi.SandboxGroupCreated{}, err
	}
	if req.ParentJID != "" {
		if sim.Parent, err = types.ParseJID(req.ParentJID); err != nil {
			return httpapi.SandboxGroupCreated{}, switchboard.Errorf(switchboard.CodeInvalid, "parentJid is not a group JID")
		}
	}
	view, err := s.sim.CreateGroup(sim)
	if err != nil {
		return httpapi.SandboxGroupCreated{}, sandboxError(err, "")
	}
	created := httpapi.SandboxGroupCreated{JID: view.JID.String()}
	if view.IsCommunity && len(view.SubGroups) > 0 {
		// The simulator lists a community's announcement group first.
		created.AnnouncementJID = view.SubGroups[0].String()
	}
	return created, nil
}

func (s *simSandbox) Group(_ context.Context, jid string) (httpapi.SandboxGroup, error) {
	parsed, err := types.ParseJID(jid)
	if err != nil {
		return httpapi.SandboxGroup{}, switchboard.Errorf(switchboard.CodeInvalid, "jid is not a group JID")
	}
	view, ok := s.sim.Group(parsed)
	if !ok {
		return httpapi.SandboxGroup{}, switchboard.Errorf(switchboard.CodeNotFound, "Group not found")
	}
	return sandboxGroupOf(view), nil
}

func (s *simSandbox) PhoneExists(_ context.Context, phone string) (bool, error) {
	_, ok := s.sim.LookupUser(types.NewJID(phone, types.DefaultUserServer))
	return ok, nil
}

func (s *simSandbox) AddFault(_ context.Context, f httpapi.SandboxFault) error {
	times := f.Times
	if times > 0 {
		// The simulator counts extra firings (0 = once); the API counts firings (1 = once).
		times--
	}
	s.sim.AddFault(wasim.FaultRule{Phone: f.Phone, Match: f.Match, Code: f.Code, Text: f.Text, Times: times})
	return nil
}

// user resolves a phone number or user JID to a registered simulated user.
func (s *simSandbox) user(phoneOrJID string) (types.JID, error) {
	phone := switchboard.PhoneDigits(strings.TrimSuffix(phoneOrJID, "@"+types.DefaultUserServer))
	jid := types.NewJID(phone, types.DefaultUserServer)
	// The group engine takes members by phone JID (LookupUser's LID would make the owner a
	// stranger to its own gateway instance); the lookup only proves the user exists.
	if _, ok := s.sim.LookupUser(jid); !ok {
		return types.EmptyJID, switchboard.Errorf(switchboard.CodeNotFound, "No simulated user has the phone %s", phone)
	}
	return jid, nil
}

func (s *simSandbox) users(list []string) ([]types.JID, error) {
	out := make([]types.JID, 0, len(list))
	for _, p := range list {
		jid, err := s.user(p)
		if err != nil {
			return nil, err
		}
		out = append(out, jid)
	}
	return out, nil
}

func phoneOf(jid types.JID) httpapi.SandboxPhone {
	return httpapi.SandboxPhone{Phone: jid.User, JID: types.NewJID(jid.User, types.DefaultUserServer).String()}
}

// qrExpired answers a scan of a QR code no instance shows any more. A well-formed QR code was
// shown by some instance, so the likely story is that its login ended (every code expires after
// about two minutes); the way forward is a new code.
const qrExpired = "QR code expired — call GET /api/instance/connect/{instance} again"

// sandboxError turns the simulator's errors into API errors a sandbox user can act on.
func sandboxError(err error, notPending string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, wasim.ErrNoPendingPairing):
		return switchboard.Errorf(switchboard.CodeNotFound, "%s", notPending)
	case errors.Is(err, wasim.ErrUnknownPhone):
		return switchboard.Errorf(switchboard.CodeNotFound, "Unknown phone")
	}
	var e *switchboard.Error
	if errors.As(err, &e) {
		return err
	}
	// The simulator's refusals read "wasim: <kind>: <what>"; the caller needs only the what.
	msg := strings.TrimPrefix(err.Error(), "wasim: ")
	for _, kind := range []string{"bad phone message: ", "bad control request: "} {
		msg = strings.TrimPrefix(msg, kind)
	}
	return switchboard.Errorf(switchboard.CodeInvalid, "%s", msg)
}
