package whatsapp

import (
	"context"
	"time"

	"github.com/switchboard/switchboard"
)

// releaseLockWait bounds how long Release waits for an operation in progress on the instance
// (a pairing waits up to a minute for its QR) before stopping the client under it: a node that
// lost its lease must be off WhatsApp before the lease expires, whatever it was doing.
const releaseLockWait = 2 * time.Second

// Adopt reconnects the saved session of an instance this node has just been given (cluster
// mode, where Start is not used): the same capped handshake as a boot reconnect.
func (m *Manager) Adopt(ctx context.Context, inst *switchboard.Instance) {
	m.bootOne(ctx, inst)
}

// Release stops the instance's session here without logging it out: the device stays paired in
// the shared store, for the node that takes the instance over. It returns once the websocket is
// closed. The pacer stays: it is a schedule, and the instance may come back.
func (m *Manager) Release(inst *switchboard.Instance) {
	s := m.lookup(inst.ID)
	if s == nil {
		return
	}
	ctx, cancel := context.WithTimeout(m.ctx, releaseLockWait)
	defer cancel()
	if err := s.lock(ctx); err == nil {
		defer s.unlock()
	}
	s.mu.Lock()
	cli := s.cli
	s.mu.Unlock()
	if cli != nil {
		m.detach(s, cli)
	}
	s.setState(switchboard.StateDisconnected, "")
	s.log.Info("session released to another node")
}
