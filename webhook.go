package switchboard

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"time"
)

// MaxEnabledWebhooks is how many webhooks of one instance may be enabled at once (RyzeAPI).
const MaxEnabledWebhooks = 3

// DefaultWebhookLabel names the webhook of a request that gives no label.
const DefaultWebhookLabel = "default"

// ErrTooManyWebhooks refuses a fourth enabled webhook of an instance.
var ErrTooManyWebhooks = &Error{Code: CodeConflict, Message: "Maximum of 3 enabled webhooks per instance"}

// Webhook is one delivery target of an instance, named by its label. Secrets are held sealed
// (AES-256-GCM): the signing secret and the Authorization value are opened only to deliver.
type Webhook struct {
	ID                  int64
	InstanceID          int64
	Label               string
	Enabled             bool
	URL                 string
	AuthorizationSealed []byte // nil: no Authorization header
	ByEvents            bool
	Events              []string // empty: every type
	MediaBase64         bool
	SecretSealed        []byte // the whsec_ signing secret; nil until the webhook is first enabled
	// DisabledReason says why the gateway (not the user) disabled the webhook, e.g. a 410 answer.
	DisabledReason string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Accepts reports whether the webhook's filter lets an event type through.
func (w *Webhook) Accepts(eventType string) bool {
	if len(w.Events) == 0 {
		return true
	}
	for _, e := range w.Events {
		if e == eventType {
			return true
		}
	}
	return false
}

// DeliveryStatus is where an event stands with one webhook.
type DeliveryStatus string

const (
	DeliveryPending   DeliveryStatus = "pending"   // in the ordered lane, not yet delivered
	DeliveryRetrying  DeliveryStatus = "retrying"  // failed repeatedly; moved out of the ordered lane
	DeliveryDelivered DeliveryStatus = "delivered" // a 2xx answer
	DeliveryDead      DeliveryStatus = "dead"      // the retry schedule ran out, or the webhook was disabled
)

// Delivery is one event's progress towards one webhook.
type Delivery struct {
	WebhookID     int64
	Label         string
	EventID       string
	EventType     string
	Seq           int64
	Status        DeliveryStatus
	Attempts      int
	NextAt        time.Time
	LastStatus    int // the receiver's HTTP status; 0 when no answer came
	LastError     string
	LastLatencyMS int64
	LastAttemptAt time.Time
	CreatedAt     time.Time
	// History is the delivery's recent attempts, oldest first (at most the store's bound; the
	// counters above cover every attempt).
	History []AttemptRecord
}

// AttemptRecord is one past attempt of a delivery, as the delivery log shows it.
type AttemptRecord struct {
	At         time.Time      // when the attempt ended
	HTTPStatus int            // 0 when no answer came
	Error      string         // why it failed; "" when delivered
	Latency    time.Duration  // from the request to the answer (or the failure)
	Outcome    DeliveryStatus // what the dispatcher decided after it
}

// PendingDelivery is a delivery a dispatcher should attempt now: the event, what the envelope
// needs (the instance's name) and the delivery's progress so far.
type PendingDelivery struct {
	Event
	InstanceName string
	Status       DeliveryStatus
	Attempts     int
}

// DeliveryAttempt is the outcome of one attempt, as the dispatcher decided it.
type DeliveryAttempt struct {
	Status     DeliveryStatus // the delivery's new status
	NextAt     time.Time      // when to try again (pending or retrying)
	HTTPStatus int
	Error      string
	Latency    time.Duration
	At         time.Time
}

// NewWebhookSecret returns a fresh signing secret: "whsec_" and 24 random bytes in standard
// base64, the Standard Webhooks format.
func NewWebhookSecret() string {
	var key [24]byte
	if _, err := rand.Read(key[:]); err != nil {
		panic("switchboard: crypto/rand failed: " + err.Error())
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(key[:])
}

// DeliveryFilter selects deliveries of an instance for the deliveries route. Status "failed"
// means attempted and not yet delivered or dead.
type DeliveryFilter struct {
	InstanceID int64
	Label      string
	Status     string // "", "failed", "dead", "delivered", "pending"
	Limit      int
}

// WebhookStore persists webhooks and their deliveries.
type WebhookStore interface {
	// UpsertWebhook creates or replaces the (instance, label) row with every field of w, in one
	// transaction that refuses a fourth enabled webhook (ErrTooManyWebhooks). It fills ID and the
	// timestamps. Disabling a webhook marks its undelivered events dead, so re-enabling it does
	// not replay a backlog to what may be a new URL (they stay listed and can be redelivered).
	UpsertWebhook(ctx context.Context, w *Webhook) error
	WebhookByLabel(ctx context.Context, instanceID int64, label string) (*Webhook, error)
	// ListWebhooks lists an instance's webhooks sorted by label.
	ListWebhooks(ctx context.Context, instanceID int64) ([]*Webhook, error)
	ListDeliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error)
	// Redeliver puts deliveries back at the head of their webhook's queue with a fresh schedule:
	// the given event ids of the instance (any label), or with label every delivery of that webhook
	// in status. It returns how many were queued.
	Redeliver(ctx context.Context, instanceID int64, eventIDs []string, label string, status DeliveryStatus) (int, error)
}

// WebsocketConfig authorises WebSocket connections to /ws/{instance} and filters their frames.
type WebsocketConfig struct {
	InstanceID  int64
	Enabled     bool
	Events      []string // empty: every type
	MediaBase64 bool
	UpdatedAt   time.Time
}

// WebsocketStore persists WebSocket configurations.
type WebsocketStore interface {
	SetWebsocketConfig(ctx context.Context, c *WebsocketConfig) error
	// WebsocketConfigOf is ErrNotFound when the instance never configured one.
	WebsocketConfigOf(ctx context.Context, instanceID int64) (*WebsocketConfig, error)
}

// WebhookTarget is where and how one webhook receives events. Secret and Authorization are
// plaintext here, opened just for the attempt.
type WebhookTarget struct {
	URL           string
	ByEvents      bool // POST to URL + "/" + event type
	Authorization string
	Secret        string
}

// DeliveryResult is what one attempt got.
type DeliveryResult struct {
	Status  int // the HTTP status; 0 when no answer came
	Latency time.Duration
	Err     error // transport failure; nil when an answer came, whatever its status
	// RetryAfter is how long the receiver asked to be left alone with Retry-After on a 429 or
	// 503 answer; 0 when it did not. The next attempt waits at least this long.
	RetryAfter time.Duration
}

// OK reports a 2xx answer.
func (r DeliveryResult) OK() bool { return r.Err == nil && r.Status >= 200 && r.Status < 300 }

// WebhookSender makes one signed delivery attempt of an event of the named instance (package
// webhook implements it; the outbox decides what to send and when).
type WebhookSender interface {
	Send(ctx context.Context, t WebhookTarget, e Event, instance string) DeliveryResult
}
