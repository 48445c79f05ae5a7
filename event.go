package switchboard

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"
)

// The six event types of RyzeAPI's catalogue, plus Switchboard's test ping.
const (
	EventMessageExchange = "message.exchange"
	EventMessageStatus   = "message.status"
	EventCallUpdate      = "call.update"
	EventGroupFlow       = "group.flow"
	EventInstanceState   = "instance.state"
	EventLabelUpdate     = "label.update"
	// EventWebhookTest is sent only by POST /api/events/test to the one webhook named; it is not
	// part of the catalogue and cannot be subscribed to.
	EventWebhookTest = "webhook.test"
)

// EventTypes is the catalogue a webhook or WebSocket filter may name, in documentation order.
var EventTypes = []string{
	EventMessageExchange, EventMessageStatus, EventCallUpdate, EventGroupFlow, EventInstanceState, EventLabelUpdate,
}

// IsEventType reports whether name is one of the catalogue's six types.
func IsEventType(name string) bool { return slices.Contains(EventTypes, name) }

// Event is one thing that happened to an instance, as it is stored in the outbox and sent to
// receivers. Data is the event's `data` object, already JSON, so the outbox never re-encodes it
// and every delivery of the event carries the same bytes.
type Event struct {
	ID         string // "evt_" + 128 random bits in hex; the webhook-id header, stable across retries
	InstanceID int64
	Seq        int64  // per-instance order, assigned when the event is stored
	Type       string // one of EventTypes, or EventWebhookTest
	// DedupeKey is unique per instance: storing a second event with the same key is a no-op, so
	// WhatsApp redelivering a message after a crash does not become a second event. Empty means
	// "unique" (the ID is used).
	DedupeKey  string
	OccurredAt time.Time
	Data       json.RawMessage
	// OnlyWebhook, when not zero, delivers the event to that webhook alone (test pings) instead
	// of every enabled webhook whose filter accepts it.
	OnlyWebhook int64
}

// NewEventID returns a fresh event id.
func NewEventID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("switchboard: crypto/rand failed: " + err.Error())
	}
	return "evt_" + hex.EncodeToString(b[:])
}

// EventSink receives the events of every instance. Emit returns only once the event is durable
// (or known to be a duplicate); an error means it was not stored and the producer should let the
// source redeliver it (WhatsApp does, when the handler reports failure).
type EventSink interface {
	Emit(ctx context.Context, e Event) (stored Event, err error)
}

// Instance states carried by instance.state events (`data.state`). They are finer than
// InstanceState, which is the connection summary shown by the instance routes.
const (
	EventStateConnected    = "connected"
	EventStateQRReady      = "qr_ready"
	EventStatePairingCode  = "pairing_code"
	EventStateTempBanned   = "temp_banned"
	EventStateLoggedOut    = "logged_out"
	EventStateDisconnected = "disconnected"
	EventStateReconnecting = "reconnecting"
)

// InstanceStateData is the `data` of an instance.state event.
type InstanceStateData struct {
	State       string     `json:"state"`
	Reason      string     `json:"reason,omitempty"`
	QRCode      string     `json:"qrCode,omitempty"`
	PairingCode string     `json:"pairingCode,omitempty"`
	NumberJID   string     `json:"numberJid,omitempty"`
	Expire      *time.Time `json:"expire,omitempty"` // temp_banned: when the ban ends
}

// EventFrame is an event encoded for the wire (the envelope webhooks and WebSocket clients get),
// with what a subscriber filters on.
type EventFrame struct {
	Seq  int64
	Type string
	Body []byte
	// Later, when not nil, stands for Body: the frame of an event whose media is still being
	// fetched, outside WhatsApp's handler, where the frame was queued in order.
	Later *PendingBody
}

// PendingBody is a frame body completed after its frame was queued.
type PendingBody struct {
	done chan struct{}
	body []byte
}

// NewPendingBody returns a body to hand out now and the function that completes it (once; nil
// means the frame could not be built and is skipped).
func NewPendingBody() (*PendingBody, func(body []byte)) {
	p := &PendingBody{done: make(chan struct{})}
	return p, func(body []byte) {
		p.body = body
		close(p.done)
	}
}

// Wait returns the completed body; nil when it could not be built or ctx ended first.
func (p *PendingBody) Wait(ctx context.Context) []byte {
	select {
	case <-p.done:
		return p.body
	case <-ctx.Done():
		return nil
	}
}
