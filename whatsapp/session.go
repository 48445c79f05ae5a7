package whatsapp

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard"
)

// session is what the manager knows about one instance's WhatsApp session. It outlives the
// whatsmeow clients it holds: a logout or an expired QR login drops the client, not the session,
// so the state, the reason and the per-instance operation lock survive until Remove.
type session struct {
	id  int64
	log *slog.Logger
	// op is a one-slot lock that serialises Connect, Reconnect, Logout, Remove and the boot
	// reconnect of this instance. A channel rather than a mutex so that waiting respects ctx.
	op chan struct{}

	mu      sync.Mutex
	cli     *whatsmeow.Client // nil when no client is attached
	handler uint32            // cli's event handler, removed when cli is dropped
	device  types.JID         // the paired device of cli; empty while a login is pending
	lid     types.JID
	push    string
	login   *login // non-nil while a QR or pairing-code login is pending on cli
	state   switchboard.InstanceState
	reason  string
	since   time.Time
	removed bool          // Remove ran: operations that waited for op must not revive it
	changed chan struct{} // closed and replaced on every change, to wake waiters
	row     rowState      // what the instances table says, to skip redundant writes

	// instance.state events (events_state.go): where they go (nil: nowhere), the last one queued
	// and when the current temporary ban ends.
	events    *stateEmitter
	lastEvent string
	banExpire time.Time

	// groups remembers group subjects for chat.name in events (group_names.go).
	groups groupNames

	// appState gives app-state patches turns (chats.go; a Pacer without spacing). whatsmeow
	// encodes a patch against the collection version it has stored and retries a 409 only once,
	// so two patches sent at once (a client tagging and archiving in parallel) could both lose
	// the race and fail; one at a time per instance, each waits its turn instead.
	appState *switchboard.Pacer

	// wmu guards the queue of row writes (persist.go). It is separate from mu so that queueing a
	// write never waits behind the session state, and no database call runs under mu.
	wmu     sync.Mutex
	writes  []rowWrite
	writing bool
}

// rowState is the session part of an instance row.
type rowState struct {
	deviceJID   string
	autoConnect bool
	loggedOut   bool
}

type rowWrite struct {
	row  rowState
	done chan error
}

func newSession(inst *switchboard.Instance, log *slog.Logger) *session {
	s := &session{
		id:       inst.ID,
		log:      log.With("instance", inst.Name, "instance_id", inst.ID),
		op:       make(chan struct{}, 1),
		appState: switchboard.NewPacer(0),
		state:    switchboard.StateDisconnected,
		changed:  make(chan struct{}),
		row:      rowState{deviceJID: inst.DeviceJID, autoConnect: inst.AutoConnect, loggedOut: inst.LoggedOut},
	}
	if inst.LoggedOut {
		s.state = switchboard.StateLoggedOut
	}
	return s
}

// lock takes the operation lock, giving up when ctx ends (another operation, such as a Connect
// waiting for its QR code, can hold it for a while).
func (s *session) lock(ctx context.Context) error {
	select {
	case s.op <- struct{}{}:
	case <-ctx.Done():
		return switchboard.Wrap(switchboard.CodeTimeout, "Another operation on this instance is still running", ctx.Err())
	}
	s.mu.Lock()
	removed := s.removed
	s.mu.Unlock()
	if removed {
		<-s.op
		return switchboard.Errorf(switchboard.CodeNotFound, "Instance not found")
	}
	return nil
}

func (s *session) unlock() { <-s.op }

// setStateLocked records a state change and wakes waiters. Since moves only when the state does,
// so repeated events do not reset "connected since".
func (s *session) setStateLocked(state switchboard.InstanceState, reason string) {
	if s.state != state {
		s.since = time.Now()
	}
	s.state, s.reason = state, reason
	s.noteStateLocked()
	s.broadcastLocked()
}

func (s *session) setState(state switchboard.InstanceState, reason string) {
	s.mu.Lock()
	s.setStateLocked(state, reason)
	s.mu.Unlock()
}

func (s *session) broadcastLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// retired returns a check that cli is no longer the session's client.
func (s *session) retired(cli *whatsmeow.Client) func() bool {
	return func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.cli != cli
	}
}

// waitUntil blocks until done (called with s.mu held) is true or ctx ends.
func (s *session) waitUntil(ctx context.Context, done func() bool) error {
	for {
		s.mu.Lock()
		ok, changed := done(), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// settledLocked says whether a login attempt on a paired device has reached an outcome: logged
// in (the Connected event, which whatsmeow sends once the post-login prekey and passive requests
// are done), logged out, refused with a reason (ban, outdated client, replaced), or the client
// gone. A plain "connecting" or "disconnected" without reason is still in flight: whatsmeow
// retries by itself.
func (s *session) settledLocked() bool {
	switch {
	case s.cli == nil:
		return true
	case s.state == switchboard.StateConnected, s.state == switchboard.StateLoggedOut:
		return true
	case s.state == switchboard.StateDisconnected && s.reason != "":
		return true
	}
	return false
}

// rowChangeLocked updates the remembered row and says whether the table needs a write.
func (s *session) rowChangeLocked(row rowState) (rowState, bool) {
	if s.row == row {
		return row, false
	}
	s.row = row
	return row, true
}

// connectedLocked is "logged in and ready": the Connected event arrived (whatsmeow sends it after
// the post-login prekey and passive requests) and whatsmeow still considers the client logged in.
// IsLoggedIn alone is not enough: whatsmeow sets it at <success>, before the client is ready, and
// clears it only on stream errors, not when the connection drops.
func (s *session) connectedLocked() bool {
	return s.cli != nil && s.state == switchboard.StateConnected && s.cli.IsLoggedIn()
}

// status is the live view, from memory only (whatsmeow's socket lock, which IsConnected takes,
// is held for the whole of a connection attempt).
func (s *session) status(inst *switchboard.Instance) switchboard.ConnectionStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := switchboard.ConnectionStatus{State: s.state, Reason: s.reason, Since: s.since, PushName: s.push}
	if st.State == switchboard.StateConnected && !s.connectedLocked() {
		st.State = switchboard.StateConnecting
	}
	st.NumberJID = numberJID(s.device, inst.DeviceJID)
	return st
}

// numberJID is the paired phone's user JID (<phone>@s.whatsapp.net): the live device when there
// is one, else what the row remembers.
func numberJID(device types.JID, rowJID string) string {
	if !device.IsEmpty() {
		return device.ToNonAD().String()
	}
	if rowJID == "" {
		return ""
	}
	j, err := types.ParseJID(rowJID)
	if err != nil || j.User == "" {
		return ""
	}
	return j.ToNonAD().String()
}
