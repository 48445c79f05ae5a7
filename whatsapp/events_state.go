package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard"
)

// instance.state events are derived from the session's state machine (setStateLocked), plus the
// login codes, so every path that changes the state (whatsmeow events, API calls, boot, shutdown)
// reports it without a call of its own. They are produced under the session lock, so they are
// queued in memory, in order, and written to the EventSink by one goroutine: a state change is
// not something WhatsApp redelivers, and the lock must never wait on the database.

// stateEventKey says which state an event reports, so a repeat (whatsmeow reports Connected after
// every reconnect's post-login requests, say) is not sent twice in a row.
func stateEventKey(d switchboard.InstanceStateData) string {
	return d.State + "|" + d.Reason + "|" + d.QRCode + "|" + d.PairingCode
}

// stateEventData maps the session's state to an instance.state event; ok is false for states
// that are not reported (connecting before the device is paired: the QR code follows).
func stateEventData(state switchboard.InstanceState, reason string, device types.JID, banExpire time.Time) (d switchboard.InstanceStateData, ok bool) {
	switch state {
	case switchboard.StateConnected:
		d = switchboard.InstanceStateData{State: switchboard.EventStateConnected}
		if !device.IsEmpty() {
			d.NumberJID = device.ToNonAD().String()
		}
	case switchboard.StateConnecting:
		if device.IsEmpty() {
			return d, false
		}
		d = switchboard.InstanceStateData{State: switchboard.EventStateReconnecting}
	case switchboard.StateLoggedOut:
		d = switchboard.InstanceStateData{State: switchboard.EventStateLoggedOut, Reason: reason}
	case switchboard.StateDisconnected:
		d = switchboard.InstanceStateData{State: switchboard.EventStateDisconnected, Reason: reason}
		if reason == reasonTemporaryBan {
			d.State = switchboard.EventStateTempBanned
			if !banExpire.IsZero() {
				expire := banExpire.UTC()
				d.Expire = &expire
			}
		}
	default:
		return d, false
	}
	return d, true
}

// noteStateLocked queues the event of the state just set (s.mu held).
func (s *session) noteStateLocked() {
	if d, ok := stateEventData(s.state, s.reason, s.device, s.banExpire); ok {
		s.emitLocked(d)
	}
}

// noteQRLocked queues a qr_ready event with the code now shown (s.mu held).
func (s *session) noteQRLocked(code string) {
	s.emitLocked(switchboard.InstanceStateData{State: switchboard.EventStateQRReady, QRCode: code})
}

// notePairingCode queues a pairing_code event with the code to type on the phone.
func (s *session) notePairingCode(code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.emitLocked(switchboard.InstanceStateData{State: switchboard.EventStatePairingCode, PairingCode: code})
}

func (s *session) emitLocked(d switchboard.InstanceStateData) {
	key := stateEventKey(d)
	if s.events == nil || key == s.lastEvent {
		return
	}
	s.lastEvent = key
	data, err := json.Marshal(d)
	if err != nil {
		s.log.Error("encoding an instance.state event", "err", err)
		return
	}
	s.events.push(switchboard.Event{
		ID: switchboard.NewEventID(), InstanceID: s.id, Type: switchboard.EventInstanceState,
		OccurredAt: time.Now(), Data: data,
	})
}

// stateEmitter writes queued events to the sink in order, retrying a failed write (the database
// may be briefly away) so that no state change is skipped.
type stateEmitter struct {
	sink switchboard.EventSink
	log  *slog.Logger

	mu      sync.Mutex
	queue   []switchboard.Event
	wake    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
}

func newStateEmitter(sink switchboard.EventSink, log *slog.Logger) *stateEmitter {
	e := &stateEmitter{sink: sink, log: log, wake: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{})}
	go e.run()
	return e
}

func (e *stateEmitter) push(ev switchboard.Event) {
	e.mu.Lock()
	e.queue = append(e.queue, ev)
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

func (e *stateEmitter) run() {
	defer close(e.stopped)
	for {
		e.mu.Lock()
		var next *switchboard.Event
		if len(e.queue) > 0 {
			next = &e.queue[0]
		}
		e.mu.Unlock()
		if next == nil {
			select {
			case <-e.wake:
				continue
			case <-e.stop:
				return
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		// The event's ID is its dedupe key unless it has one, so a retry after a write whose
		// commit was not confirmed cannot store it twice.
		ev := *next
		if ev.DedupeKey == "" {
			ev.DedupeKey = ev.ID
		}
		_, err := e.sink.Emit(ctx, ev)
		cancel()
		if errors.Is(err, switchboard.ErrNotFound) {
			err = nil // the instance was deleted: its events have nowhere to go
		}
		if err != nil {
			e.log.Warn("storing an instance.state event; retrying", "instance_id", ev.InstanceID, "err", err)
			select {
			case <-time.After(time.Second):
			case <-e.stop:
				e.log.Error("instance.state events not stored at shutdown", "count", e.pending())
				return
			}
			continue
		}
		e.mu.Lock()
		e.queue = e.queue[1:]
		e.mu.Unlock()
	}
}

func (e *stateEmitter) pending() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.queue)
}

// close lets the queue drain for at most wait, then stops.
func (e *stateEmitter) close(wait time.Duration) {
	deadline := time.Now().Add(wait)
	for e.pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	close(e.stop)
	<-e.stopped
}

// stateEventsDrain bounds how long Close waits for queued instance.state events to be stored.
const stateEventsDrain = 5 * time.Second

// initialStateEventKey is the key of the state a session starts in, so that merely loading an
// instance (disconnected, or logged out) does not report a change.
func initialStateEventKey(s *session) string {
	d, ok := stateEventData(s.state, s.reason, s.device, time.Time{})
	if !ok {
		return ""
	}
	return stateEventKey(d)
}
