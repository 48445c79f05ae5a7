package whatsapp

import (
	"fmt"
	"runtime/debug"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/switchboard/switchboard"
)

// Reasons shown in ConnectionStatus.Reason when WhatsApp said why a session is down.
const (
	reasonTemporaryBan   = "temporary_ban"
	reasonClientOutdated = "client_outdated"
	reasonReplaced       = "replaced"
	reasonLoggedOut      = "logged_out"
	reasonConnectFailure = "connect_failure"
)

// eventHandler follows one client's connection events. whatsmeow runs handlers inline in its
// event loop, so a handler only updates memory and queues database writes; anything that could
// block (removing the handler, disconnecting) runs in a goroutine.
//
// dispatchEvent recovers panics but then counts the handler as successful; recovering here lets
// us log with the instance fields and report failure.
func (m *Manager) eventHandler(s *session, cli *whatsmeow.Client) whatsmeow.EventHandlerWithSuccessStatus {
	return func(evt any) (ok bool) {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("whatsapp event handler panicked", "event", fmt.Sprintf("%T", evt), "panic", r, "stack", string(debug.Stack()))
				ok = false
			}
		}()
		m.handleEvent(s, cli, evt)
		if err := m.recordMessageEvent(s, evt); err != nil {
			// Not acked: WhatsApp delivers the stanza again, and the message is kept then.
			// Acked, it would be lost for good: whatsmeow clears its buffered plaintext.
			s.log.Warn("message not stored; leaving it unacknowledged for WhatsApp to redeliver", "event", fmt.Sprintf("%T", evt), "err", err)
			return false
		}
		m.recordLabelEvent(s, evt)
		m.recordPollVote(s, cli, evt)
		if err := m.emitCatalogue(s, cli, evt); err != nil {
			// Not acked: WhatsApp delivers the stanza again, and the dedupe key keeps a
			// partial success from becoming a duplicate.
			s.log.Warn("event not stored; leaving it unacknowledged for WhatsApp to redeliver", "event", fmt.Sprintf("%T", evt), "err", err)
			return false
		}
		return true
	}
}

func (m *Manager) handleEvent(s *session, cli *whatsmeow.Client, evt any) {
	if _, ok := evt.(*events.Connected); ok && !cli.IsConnected() {
		// whatsmeow dispatches Connected at the end of the post-login requests even when they
		// failed because the connection died meanwhile (and was perhaps refused on the retry,
		// e.g. banned); believing it would overwrite the real state.
		s.log.Debug("ignoring a Connected event of a connection that is already gone")
		return
	}
	s.mu.Lock()
	if s.cli != cli {
		// A dropped client's last events (it may still be closing) must not touch the session
		// that replaced it.
		s.mu.Unlock()
		return
	}
	var (
		write  rowState
		dirty  bool
		retire func()
		after  func()
	)
	if lg := s.login; lg != nil {
		after = m.loginEventLocked(s, cli, lg, evt)
	}
	switch e := evt.(type) {
	case *events.PairSuccess:
		s.device, s.lid = e.ID, e.LID
		s.setStateLocked(switchboard.StateConnecting, "") // whatsmeow reconnects to log in
		write, dirty = s.rowChangeLocked(rowState{deviceJID: e.ID.String(), autoConnect: true})
		s.log.Info("paired with WhatsApp", "device", e.ID.String(), "platform", e.Platform)
	case *events.Connected:
		if s.device.IsEmpty() {
			s.device = cli.Store.GetJID()
		}
		if lid := cli.Store.GetLID(); !lid.IsEmpty() {
			s.lid = lid
		}
		s.setStateLocked(switchboard.StateConnected, "")
		write, dirty = s.rowChangeLocked(rowState{deviceJID: s.device.String(), autoConnect: true})
		s.log.Info("connected to WhatsApp")
	case *events.Disconnected:
		// An unpaired client's drop ends its login (login.go); a paired one is reconnected by
		// whatsmeow itself.
		if !s.device.IsEmpty() && s.state != switchboard.StateLoggedOut {
			s.setStateLocked(switchboard.StateConnecting, "")
			s.log.Info("disconnected from WhatsApp; reconnecting")
		}
	case *events.LoggedOut:
		// whatsmeow already deleted (or is deleting) the device store; this client is dead.
		s.log.Warn("logged out by WhatsApp", "on_connect", e.OnConnect, "reason", e.Reason.String())
		handler, lg := s.handler, s.login
		s.cli, s.login, s.device = nil, nil, types.EmptyJID
		s.setStateLocked(switchboard.StateLoggedOut, reasonLoggedOut)
		write, dirty = s.rowChangeLocked(rowState{loggedOut: true})
		retire = func() { stopClient(cli, handler, lg) }
	case *events.StreamReplaced:
		s.setStateLocked(switchboard.StateDisconnected, reasonReplaced)
		s.log.Warn("session replaced by another connection of the same device; not reconnecting")
	case *events.TemporaryBan:
		s.banExpire = time.Now().Add(e.Expire)
		s.setStateLocked(switchboard.StateDisconnected, reasonTemporaryBan)
		s.log.Warn("temporarily banned by WhatsApp", "code", int(e.Code), "expire", e.Expire.String())
	case *events.ClientOutdated:
		s.setStateLocked(switchboard.StateDisconnected, reasonClientOutdated)
		s.log.Error("WhatsApp refused the client as outdated; update whatsmeow")
	case *events.ConnectFailure:
		s.setStateLocked(switchboard.StateDisconnected, reasonConnectFailure)
		s.log.Warn("WhatsApp refused the connection", "reason", int(e.Reason), "message", e.Message)
	case *events.PushNameSetting:
		if name := e.Action.GetName(); name != "" {
			s.push = name
		}
	case *events.PairError:
		s.log.Warn("pairing failed", "err", e.Error)
	case *events.StreamError:
		s.log.Warn("unknown stream error from WhatsApp", "code", e.Code)
	case *events.KeepAliveTimeout:
		s.log.Warn("WhatsApp keepalive timed out", "errors", e.ErrorCount)
	case *events.KeepAliveRestored:
		s.log.Info("WhatsApp keepalive restored")
	}
	s.mu.Unlock()

	if dirty {
		m.persistAsync(s, write)
	}
	if after != nil {
		after()
	}
	if retire != nil && !m.goTracked(retire) {
		// Close is already waiting; it dropped every attached client, and this one was detached
		// above, so stop it here.
		go retire()
	}
}
