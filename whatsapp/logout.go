package whatsapp

import (
	"context"
	"errors"
	"time"

	"github.com/switchboard/switchboard"
)

// logoutConnectWait bounds how long Logout and Remove wait for an offline instance to log in
// before deleting its session locally only.
const logoutConnectWait = 10 * time.Second

// Logout unlinks the device from WhatsApp (when it is online to be told) and deletes the local
// session; the instance stays. Afterwards Status reports loggedout, and so does the row
// (loggedOut=true, autoConnect=false, no device), so the state survives a restart exactly like a
// logout from the phone; the RyzeAPI logout response says "loggedout" too. A later Connect pairs
// a new device.
//
// A paired instance that is offline is connected first to tell WhatsApp (see unlink).
func (m *Manager) Logout(ctx context.Context, inst *switchboard.Instance) error {
	s, err := m.sessionFor(inst)
	if err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	if err := m.unlink(ctx, s, inst); err != nil {
		return err
	}
	if err := m.persist(ctx, s, rowState{loggedOut: true}); err != nil {
		return switchboard.Wrap(switchboard.CodeInternal, "Failed to logout instance", err)
	}
	s.setState(switchboard.StateLoggedOut, "")
	s.log.Info("logged out")
	return nil
}

// Remove tears the session down before the instance row is deleted: it logs out of WhatsApp
// (connecting first when paired but offline), deletes the device from the store and forgets the instance. If WhatsApp refuses the
// logout (other than "no such device") nothing is removed, so the caller can retry and no paired
// device is orphaned on the phone.
func (m *Manager) Remove(ctx context.Context, inst *switchboard.Instance) error {
	s, err := m.sessionFor(inst)
	if err != nil {
		return err
	}
	if err := s.lock(ctx); err != nil {
		return err
	}
	defer s.unlock()
	if err := m.unlink(ctx, s, inst); err != nil {
		return err
	}
	s.mu.Lock()
	s.removed = true
	s.broadcastLocked()
	s.mu.Unlock()
	m.mu.Lock()
	if m.sessions[inst.ID] == s {
		delete(m.sessions, inst.ID)
	}
	m.mu.Unlock()
	// Its write schedule, send queue and recipient cache go with it, so a server that creates
	// and deletes instances all day does not keep them for every one it ever had.
	m.pacers.Forget(inst.ID)
	m.sendQueues.Forget(inst.ID)
	m.recipientMu.Lock()
	delete(m.recipientCaches, inst.ID)
	m.recipientMu.Unlock()
	// The row is about to go; clearing its session columns first keeps it consistent should the
	// delete fail. Best effort: the row may already be gone.
	if err := m.persist(ctx, s, rowState{}); err != nil {
		s.log.Debug("clearing the session columns before delete failed", "err", err)
	}
	s.log.Info("session removed")
	return nil
}

// unlink logs the device out of WhatsApp, then makes sure no client and no local device remain.
// An instance that is paired but offline is connected first, so that the phone stops listing the
// device; if WhatsApp cannot be reached within logoutConnectWait, the session is deleted locally
// anyway (the phone then lists the device until it is removed there or expires).
func (m *Manager) unlink(ctx context.Context, s *session, inst *switchboard.Instance) error {
	s.mu.Lock()
	connected, pending := s.connectedLocked(), s.login != nil
	s.mu.Unlock()
	if !connected && !pending {
		connected = m.connectForLogout(ctx, s, inst)
	}
	s.mu.Lock()
	cli := s.cli
	s.mu.Unlock()
	if connected && cli != nil {
		// whatsmeow's Logout sends remove-companion-device, disconnects and deletes the store;
		// when the request fails it does neither.
		if err := cli.Logout(ctx); err != nil && !errors.Is(err, errDeletedKeptInMemory) {
			if !deviceAlreadyGone(err) {
				return translateLogout(err)
			}
			s.log.Info("WhatsApp no longer knew the device; removing it locally", "err", err)
		}
	}
	if cli != nil {
		m.detach(s, cli)
		// The client's device may still be in the store: offline, pending login (nothing
		// saved), or a logout WhatsApp answered with "no such device".
		if d := cli.Store; d.ID != nil && !deviceGone(d) {
			if err := d.Delete(ctx); err != nil && !errors.Is(err, errDeletedKeptInMemory) {
				return switchboard.Wrap(switchboard.CodeInternal, "Failed to delete the local session", err)
			}
		}
	}
	dev, err := m.storedDevice(ctx, inst)
	if err != nil {
		return switchboard.Wrap(switchboard.CodeInternal, "Failed to read the local session", err)
	}
	if dev != nil {
		if err := dev.Delete(ctx); err != nil {
			return switchboard.Wrap(switchboard.CodeInternal, "Failed to delete the local session", err)
		}
	}
	return nil
}

// connectForLogout connects a paired, offline instance so that it can tell WhatsApp it leaves.
// It reports whether the instance is logged in.
func (m *Manager) connectForLogout(ctx context.Context, s *session, inst *switchboard.Instance) bool {
	resumed, err := m.resume(ctx, s, inst, false)
	if err != nil || !resumed {
		if err != nil {
			s.log.Warn("could not reach WhatsApp to unlink the device; deleting it locally only", "err", err)
		}
		return false
	}
	wctx, cancel := context.WithTimeout(ctx, m.logoutConnectWait)
	defer cancel()
	_ = s.waitUntil(wctx, s.settledLocked)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.connectedLocked() {
		s.log.Warn("WhatsApp did not log the device in; deleting it locally only", "state", string(s.state), "reason", s.reason)
		return false
	}
	return true
}

// translateLogout keeps WhatsApp's error class but words it for a logout, not a group call.
func translateLogout(err error) error {
	code, _ := classify(err)
	if code == switchboard.CodeNotConnected || code == switchboard.CodeTimeout || code == switchboard.CodeRateLimited {
		return translate(err)
	}
	return switchboard.Wrap(code, "WhatsApp refused the logout", err)
}
