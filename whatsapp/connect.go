package whatsapp

import (
	"context"
	"errors"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard"
)

// Pairing-code logins present themselves to WhatsApp as this browser. WhatsApp validates the
// "Browser (OS)" display string and answers 400 to unknown ones.
const (
	pairClientType    = whatsmeow.PairClientChrome
	pairClientDisplay = "Chrome (Linux)"
)

// Connect starts a login, or reports the instance connected.
//
//   - A logged-in instance answers Connected at once.
//   - A saved session (a paired device in the store) is resumed rather than replaced: a new QR
//     would link a second device and orphan the first on the phone. Connect waits (within ctx)
//     for WhatsApp's answer; if WhatsApp says the device was logged out, it falls through to a
//     new pairing.
//   - A login already pending is reused: the same client and websocket, its current QR code, and
//     with a phone number a pairing code requested on that same connection. A second Connect
//     therefore never leaks a client, and a QR already on someone's screen stays valid.
//   - Otherwise a fresh device pairs: Connect returns the first QR code; the login then lives on
//     after the request (codes rotate, the phone scans, or the codes expire), see login.go.
func (m *Manager) Connect(ctx context.Context, inst *switchboard.Instance, phone string) (switchboard.LoginCode, error) {
	s, err := m.sessionFor(inst)
	if err != nil {
		return switchboard.LoginCode{}, err
	}
	if err := s.lock(ctx); err != nil {
		return switchboard.LoginCode{}, err
	}
	defer s.unlock()

	s.mu.Lock()
	cli, lg, connected := s.cli, s.login, s.connectedLocked()
	s.mu.Unlock()
	switch {
	case connected:
		return switchboard.LoginCode{Connected: true}, nil
	case lg != nil:
		return m.reuseLogin(ctx, s, cli, lg, phone)
	}

	resumed, err := m.resume(ctx, s, inst, false)
	if err != nil {
		return switchboard.LoginCode{}, err
	}
	if resumed {
		if err := s.waitUntil(ctx, s.settledLocked); err != nil {
			return switchboard.LoginCode{}, switchboard.Wrap(switchboard.CodeTimeout, "Timed out reconnecting the saved session", err)
		}
		s.mu.Lock()
		state, reason := s.state, s.reason
		s.mu.Unlock()
		switch state {
		case switchboard.StateConnected:
			return switchboard.LoginCode{Connected: true}, nil
		case switchboard.StateLoggedOut:
			// The device is gone: pair a new one below.
		default:
			return switchboard.LoginCode{}, switchboard.Errorf(switchboard.CodeWhatsAppFailure,
				"WhatsApp refused the saved session (%s)", reasonOrUnknown(reason))
		}
	}
	return m.pair(ctx, s, inst, phone)
}

func reasonOrUnknown(r string) string {
	if r == "" {
		return "unknown reason"
	}
	return r
}

// pair links a fresh device by QR code, or by pairing code when phone is set.
func (m *Manager) pair(ctx context.Context, s *session, inst *switchboard.Instance, phone string) (switchboard.LoginCode, error) {
	s.mu.Lock()
	old := s.cli
	s.mu.Unlock()
	if old != nil {
		m.detach(s, old) // a paired client whose device WhatsApp no longer accepts
	}

	cli, err := m.newClient(s, inst, m.container.NewDevice())
	if err != nil {
		return switchboard.LoginCode{}, err
	}
	lg := m.newLogin()
	if err := m.attach(s, cli, types.EmptyJID, lg); err != nil {
		lg.cancel()
		return switchboard.LoginCode{}, err
	}
	if err := cli.ConnectContext(m.ctx); err != nil {
		m.abandon(s, cli)
		return switchboard.LoginCode{}, connectFailed(err)
	}
	code, err := m.loginCode(ctx, s, cli, lg, phone)
	if err != nil {
		m.abandon(s, cli)
	}
	return code, err
}

// abandon drops a login that failed during Connect. A login that ended by itself already set
// the state and its reason; one we give up on (no code in time) was still "connecting".
func (m *Manager) abandon(s *session, cli *whatsmeow.Client) {
	m.detach(s, cli)
	s.mu.Lock()
	if s.state == switchboard.StateConnecting {
		s.setStateLocked(switchboard.StateDisconnected, "")
	}
	s.mu.Unlock()
}

// reuseLogin answers a Connect that arrives while a login is pending on cli.
func (m *Manager) reuseLogin(ctx context.Context, s *session, cli *whatsmeow.Client, lg *login, phone string) (switchboard.LoginCode, error) {
	code, err := m.loginCode(ctx, s, cli, lg, phone)
	if err != nil && !switchboard.IsCode(err, switchboard.CodeInvalid) {
		// The pending login failed under us (expired, refused): drop it so the next Connect
		// starts clean. A rejected phone number leaves the QR login usable.
		m.abandon(s, cli)
	}
	return code, err
}

// loginCode waits for the login's current QR code and, with a phone number, asks WhatsApp for a
// pairing code on the same connection (PairPhone needs the pre-login websocket to be up, which
// the first QR event proves).
func (m *Manager) loginCode(ctx context.Context, s *session, cli *whatsmeow.Client, lg *login, phone string) (switchboard.LoginCode, error) {
	var qr string
	var loginErr error
	err := s.waitUntil(ctx, func() bool {
		qr, loginErr = lg.qr, lg.err
		return qr != "" || loginErr != nil || s.login != lg
	})
	switch {
	case err != nil:
		return switchboard.LoginCode{}, switchboard.Wrap(switchboard.CodeTimeout, msgQRTimeout, err)
	case loginErr != nil:
		return switchboard.LoginCode{}, loginErr
	case qr == "":
		return switchboard.LoginCode{}, switchboard.Errorf(switchboard.CodeInternal, "The WhatsApp login ended before a code was issued")
	}
	if phone == "" {
		return switchboard.LoginCode{QR: qr}, nil
	}
	pairCode, err := cli.PairPhone(ctx, phone, true, pairClientType, pairClientDisplay)
	if err != nil {
		return switchboard.LoginCode{}, translate(err)
	}
	s.notePairingCode(pairCode)
	return switchboard.LoginCode{QR: qr, PairCode: pairCode}, nil
}

// Reconnect reopens a paired instance from its saved device, without a QR code. It returns once
// the connection is under way (the websocket and handshake succeeded); the login itself is
// reported by the state.
func (m *Manager) Reconnect(ctx context.Context, inst *switchboard.Instance) error {
	s, err := m.sessionFor(inst)
	if err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	resumed, err := m.resume(ctx, s, inst, false)
	if err != nil {
		return err
	}
	if !resumed {
		return switchboard.Errorf(switchboard.CodeInvalid, msgNoSession)
	}
	return nil
}

// resume connects the instance's paired device, reusing the session's client when it has one.
// It reports false when there is no saved device to connect. With background, network failures
// of the first attempt are left to whatsmeow's automatic reconnect (boot); otherwise they are
// returned, as "Failed to reconnect: <reason>".
func (m *Manager) resume(ctx context.Context, s *session, inst *switchboard.Instance, background bool) (bool, error) {
	s.mu.Lock()
	cli, connected, state := s.cli, s.connectedLocked(), s.state
	paired := cli != nil && s.login == nil && !s.device.IsEmpty()
	s.mu.Unlock()
	switch {
	case connected:
		return true, nil
	case cli != nil && !paired:
		return false, nil // a login is pending: there is no saved session to resume
	case cli != nil && state == switchboard.StateDisconnected:
		// Stopped for good (refused login, replaced, ...): whatsmeow is not retrying, but the
		// server may not have closed the socket yet, and a half-dead socket would make
		// ConnectContext answer "already connected".
		cli.Disconnect()
	}
	attached := false
	if cli == nil {
		dev, err := m.storedDevice(ctx, inst)
		if err != nil {
			return false, switchboard.Wrap(switchboard.CodeInternal, "Failed to reconnect: reading the saved session failed", err)
		}
		if dev == nil {
			return false, nil
		}
		if cli, err = m.newClient(s, inst, dev); err != nil {
			return true, reconnectFailed(err)
		}
		if err := m.attach(s, cli, *dev.ID, nil); err != nil {
			return true, err
		}
		attached = true
	}
	s.setState(switchboard.StateConnecting, "")
	// The manager's context, not ctx: whatsmeow runs the connection's loops under it.
	cli.InitialAutoReconnect = background
	err := cli.ConnectContext(m.ctx)
	if err == nil || errors.Is(err, whatsmeow.ErrAlreadyConnected) {
		return true, nil
	}
	if attached {
		m.detach(s, cli)
	}
	s.setState(switchboard.StateDisconnected, "")
	return true, reconnectFailed(err)
}

func reconnectFailed(err error) error {
	mapped := connectFailed(err)
	return switchboard.Wrap(switchboard.ErrorCodeOf(mapped), "Failed to reconnect: "+switchboard.ErrorMessageOf(mapped), err)
}

// storedDevice loads the instance's paired device from whatsmeow's store, or nil when the row
// names none or the store no longer has it (logged out meanwhile).
func (m *Manager) storedDevice(ctx context.Context, inst *switchboard.Instance) (*store.Device, error) {
	if inst.DeviceJID == "" {
		return nil, nil
	}
	jid, err := types.ParseJID(inst.DeviceJID)
	if err != nil {
		return nil, nil // not a device we could ever have saved
	}
	return m.container.GetDevice(ctx, jid)
}
