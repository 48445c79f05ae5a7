package whatsapp

import (
	"context"
	"slices"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/switchboard/switchboard"
)

// A pending login is followed from whatsmeow's events (QR, PairSuccess, PairError, Disconnected)
// rather than through whatsmeow's GetQRChannel. The pinned qrChannel closes its output channel
// from the event handler while its code emitter may be sending on it: the race detector reports
// it whenever a pre-login connection drops, and the emitter can panic with "send on closed
// channel", which would take the whole gateway down. Handling the events directly needs no
// channel at all.

// whatsmeow's QR schedule: the server sends six refs; the first code is shown for 60 s and each
// later one for 20 s, then the login is over (about 160 s in all).
const (
	qrFirstCodeLifetime = 60 * time.Second
	qrCodeLifetime      = 20 * time.Second
)

// login is a pending QR / pairing-code login of a session's client.
type login struct {
	ctx    context.Context // ends when the login ends (paired, failed, dropped, manager closed)
	cancel context.CancelFunc
	// The fields below are guarded by the session's mu.
	qr     string             // the QR code to show now
	err    error              // why the login ended before pairing, if it did
	rotate context.CancelFunc // stops the current code rotation
}

func (m *Manager) newLogin() *login {
	ctx, cancel := context.WithCancel(m.ctx)
	return &login{ctx: ctx, cancel: cancel}
}

// loginEventLocked handles an event of a client whose login is pending (s.mu held). It returns
// work to run after the lock is released, never inside the event handler itself.
func (m *Manager) loginEventLocked(s *session, cli *whatsmeow.Client, lg *login, evt any) func() {
	switch e := evt.(type) {
	case *events.QR:
		if len(e.Codes) == 0 {
			return nil
		}
		if lg.rotate != nil {
			lg.rotate() // the server sent fresh refs: restart the schedule with them
		}
		rctx, stop := context.WithCancel(lg.ctx)
		lg.rotate = stop
		codes := slices.Clone(e.Codes)
		lg.qr = codes[0]
		s.noteQRLocked(lg.qr)
		s.broadcastLocked()
		return func() {
			if !m.goTracked(func() { m.rotateQR(rctx, s, cli, lg, codes) }) {
				stop()
			}
		}
	case *events.PairSuccess:
		s.login = nil
		lg.cancel()
		s.broadcastLocked()
		return nil
	case *events.PairError:
		return m.endLoginLocked(s, cli, lg, switchboard.Wrap(switchboard.CodeWhatsAppFailure, "Pairing with the phone failed", e.Error), "")
	case *events.Disconnected:
		return m.endLoginLocked(s, cli, lg, switchboard.Errorf(switchboard.CodeUnavailable, "The connection to WhatsApp closed before the login completed"), "")
	case *events.ClientOutdated:
		return m.endLoginLocked(s, cli, lg, switchboard.Errorf(switchboard.CodeWhatsAppFailure, "WhatsApp refused the client as outdated"), reasonClientOutdated)
	case *events.TemporaryBan:
		return m.endLoginLocked(s, cli, lg, switchboard.Errorf(switchboard.CodeWhatsAppFailure, "WhatsApp refused the login: temporary ban"), reasonTemporaryBan)
	case *events.ConnectFailure:
		return m.endLoginLocked(s, cli, lg, switchboard.Errorf(switchboard.CodeWhatsAppFailure, "WhatsApp refused the login (%d)", int(e.Reason)), reasonConnectFailure)
	}
	return nil
}

// endLoginLocked records why the login ended and drops its client (after the lock, off the
// event handler).
func (m *Manager) endLoginLocked(s *session, cli *whatsmeow.Client, lg *login, err error, reason string) func() {
	lg.err = err
	lg.cancel()
	s.setStateLocked(switchboard.StateDisconnected, reason)
	s.log.Info("WhatsApp login ended without pairing", "err", err)
	return func() {
		if !m.goTracked(func() { m.detach(s, cli) }) {
			go m.detach(s, cli) // Close is waiting; it stops this client too
		}
	}
}

// rotateQR shows each code for its lifetime; when the last one expires the login is over and
// the client is dropped, so the instance is clean for the next Connect.
func (m *Manager) rotateQR(ctx context.Context, s *session, cli *whatsmeow.Client, lg *login, codes []string) {
	for i, code := range codes {
		if i > 0 {
			s.mu.Lock()
			if s.login == lg {
				lg.qr = code
				s.noteQRLocked(code)
				s.broadcastLocked()
			}
			s.mu.Unlock()
		}
		lifetime := m.qrCodeLifetime
		if i == 0 && len(codes) == 6 {
			lifetime = m.qrFirstCodeLifetime
		}
		t := time.NewTimer(lifetime)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
	s.mu.Lock()
	if s.login != lg {
		s.mu.Unlock()
		return
	}
	lg.err = switchboard.Errorf(switchboard.CodeTimeout, "The login code expired before it was used")
	s.setStateLocked(switchboard.StateDisconnected, "")
	s.mu.Unlock()
	s.log.Info("WhatsApp login expired: no code was used")
	m.detach(s, cli)
}
