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

// sandbox serves the /sandbox routes over a simulator: the embedded one, or a standalone one
// through its control API (so several gateways share one simulated WhatsApp). Both answer
// alike: the control client hands back the simulator's own errors, which go through the same
// sandboxError.
type sandbox struct{ sim simulator }

var _ httpapi.Sandbox = sandbox{}

func newSimSandbox(sim *wasim.Server) sandbox { return sandbox{sim: localSimulator{sim}} }

func newRemoteSandbox(baseURL, token string) sandbox {
	return sandbox{sim: wasim.NewControlClient(baseURL, token)}
}

func (s sandbox) Scan(ctx context.Context, qrCode, phone string) (httpapi.SandboxPhone, error) {
	dev, err := s.sim.ScanQR(ctx, qrCode, phone)
	if err != nil {
		return httpapi.SandboxPhone{}, sandboxError(err, qrExpired)
	}
	return phoneOf(dev), nil
}

func (s sandbox) EnterPairCode(ctx context.Context, phone, code string) (httpapi.SandboxPhone, error) {
	dev, err := s.sim.EnterPairCode(ctx, phone, code)
	if err != nil {
		return httpapi.SandboxPhone{}, sandboxError(err, "No instance is waiting for a pairing code of this phone")
	}
	return phoneOf(dev), nil
}

func (s sandbox) CreateUser(ctx context.Context, phone, name string) (httpapi.SandboxPhone, error) {
	jid, err := s.sim.RegisterPhone(ctx, phone, name)
	if err != nil {
		return httpapi.SandboxPhone{}, sandboxError(err, "")
	}
	return phoneOf(jid), nil
}

func (s sandbox) CreateGroup(ctx context.Context, req httpapi.SandboxGroupRequest) (httpapi.SandboxGroupCreated, error) {
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
		return httpapi.SandboxGroupCreated{}, sandboxError(err, "")
	}
	created := httpapi.SandboxGroupCreated{JID: view.JID.String()}
	if view.IsCommunity && len(view.SubGroups) > 0 {
		// The simulator lists a community's announcement group first.
		created.AnnouncementJID = view.SubGroups[0].String()
	}
	return created, nil
}

func (s sandbox) Group(ctx context.Context, jid string) (httpapi.SandboxGroup, error) {
	parsed, err := types.ParseJID(jid)
	if err != nil {
		return httpapi.SandboxGroup{}, switchboard.Errorf(switchboard.CodeInvalid, "jid is not a group JID")
	}
	view, ok, err := s.sim.Group(ctx, parsed)
	switch {
	case err != nil:
		return httpapi.SandboxGroup{}, sandboxError(err, "")
	case !ok:
		return httpapi.SandboxGroup{}, switchboard.Errorf(switchboard.CodeNotFound, "Group not found")
	}
	return sandboxGroupOf(view), nil
}

func (s sandbox) PhoneExists(ctx context.Context, phone string) (bool, error) {
	_, ok, err := s.sim.LookupUser(ctx, types.NewJID(phone, types.DefaultUserServer))
	if err != nil {
		return false, sandboxError(err, "")
	}
	return ok, nil
}

// AddFault passes times through: the API and the simulator count alike (0 and 1 once, N N times,
// -1 forever). An earlier version took one off, so `"times": 2` fired once (found when e2e
// TestSendRetriesError463Once set its two refusals through this route).
func (s sandbox) AddFault(ctx context.Context, f httpapi.SandboxFault) error {
	rule := wasim.FaultRule{Phone: f.Phone, Match: f.Match, To: f.To, Code: f.Code, Text: f.Text, Times: f.Times}
	return sandboxError(s.sim.AddFault(ctx, rule), "")
}

// user resolves a phone number or user JID to the phone JID of a registered simulated user. The
// group engine takes members by phone JID (LookupUser's LID would make the owner a stranger to
// its own gateway instance) and silently skips anyone else, as WhatsApp skips numbers not on
// WhatsApp; so the lookup only proves the user exists: an unknown phone is the caller's
// mistake, reported rather than skipped.
func (s sandbox) user(ctx context.Context, phoneOrJID string) (types.JID, error) {
	phone := switchboard.PhoneDigits(strings.TrimSuffix(phoneOrJID, "@"+types.DefaultUserServer))
	jid := types.NewJID(phone, types.DefaultUserServer)
	_, ok, err := s.sim.LookupUser(ctx, jid)
	switch {
	case err != nil:
		return types.EmptyJID, sandboxError(err, "")
	case !ok:
		return types.EmptyJID, switchboard.Errorf(switchboard.CodeNotFound, "No simulated user has the phone %s", phone)
	}
	return jid, nil
}

func (s sandbox) users(ctx context.Context, list []string) ([]types.JID, error) {
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

func phoneOf(jid types.JID) httpapi.SandboxPhone {
	return httpapi.SandboxPhone{Phone: jid.User, JID: types.NewJID(jid.User, types.DefaultUserServer).String()}
}

// qrExpired answers a scan of a QR code no instance shows any more. A well-formed QR code was
// shown by some instance, so the likely story is that its login ended (every code expires after
// about two minutes); the way forward is a new code.
const qrExpired = "QR code expired — call GET /api/instance/connect/{instance} again"

// sandboxError turns the simulator's errors into API errors a sandbox user can act on. A
// standalone simulator that cannot be reached is the server's failure (500), not the caller's.
func sandboxError(err error, notPending string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, wasim.ErrControlUnavailable):
		return switchboard.Wrap(switchboard.CodeInternal, "The sandbox simulator is unreachable", err)
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
