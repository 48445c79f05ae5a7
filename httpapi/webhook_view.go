package httpapi

import (
	"time"

	"github.com/switchboard/switchboard"
)

// webhookJSON is a webhook as the API shows it: RyzeAPI's fields, then Switchboard's additions.
// The signing secret appears only in the answer that created or rotated it; the Authorization
// value only as a mask.
type webhookJSON struct {
	Label          string    `json:"label"`
	Enabled        bool      `json:"enabled"`
	URL            string    `json:"url"`
	Authorization  string    `json:"authorization"`
	ByEvents       bool      `json:"byEvents"`
	Events         []string  `json:"events"`
	MediaBase64    bool      `json:"mediaBase64"`
	HasSecret      bool      `json:"hasSecret"`
	Secret         string    `json:"secret,omitempty"`
	DisabledReason string    `json:"disabledReason,omitempty"`
	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
}

func newWebhookJSON(w *switchboard.Webhook, secret string) webhookJSON {
	v := webhookJSON{
		Label: w.Label, Enabled: w.Enabled, URL: w.URL, ByEvents: w.ByEvents, Events: w.Events,
		MediaBase64: w.MediaBase64, HasSecret: w.SecretSealed != nil, Secret: secret,
		DisabledReason: w.DisabledReason, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt,
	}
	if v.Events == nil {
		v.Events = []string{}
	}
	if w.AuthorizationSealed != nil {
		v.Authorization = authorizationMask
	}
	return v
}

type webhookResponse struct {
	envelope
	Webhook webhookJSON `json:"webhook"`
}

type webhookListResponse struct {
	envelope
	Webhooks []webhookJSON `json:"webhooks"`
}

type deliveryJSON struct {
	EventID        string     `json:"eventId"`
	Event          string     `json:"event"`
	Label          string     `json:"label"`
	Seq            int64      `json:"seq"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	NextAttemptAt  *time.Time `json:"nextAttemptAt,omitempty"`
	LastAttemptAt  *time.Time `json:"lastAttemptAt,omitempty"`
	LastStatusCode int        `json:"lastStatusCode,omitempty"`
	LastLatencyMS  int64      `json:"lastLatencyMs"`
	LastError      string     `json:"lastError,omitempty"`
	CreatedAt      time.Time  `json:"createdAt"`
	// History is the recent attempts, oldest first: the newest 20 of the delivery (Attempts counts
	// every one since the last redelivery).
	History []attemptJSON `json:"history"`
}

// attemptJSON is one past attempt of a delivery.
type attemptJSON struct {
	At         time.Time `json:"at"`
	StatusCode int       `json:"statusCode,omitempty"` // absent when no answer came
	LatencyMS  int64     `json:"latencyMs"`
	Error      string    `json:"error,omitempty"`
	Outcome    string    `json:"outcome"` // the delivery's status after it: pending, retrying, delivered, dead
}

func newDeliveryJSON(d switchboard.Delivery) deliveryJSON {
	v := deliveryJSON{
		EventID: d.EventID, Event: d.EventType, Label: d.Label, Seq: d.Seq, Status: string(d.Status),
		Attempts: d.Attempts, LastStatusCode: d.LastStatus, LastLatencyMS: d.LastLatencyMS, LastError: d.LastError,
		CreatedAt: d.CreatedAt, History: make([]attemptJSON, 0, len(d.History)),
	}
	for _, a := range d.History {
		v.History = append(v.History, attemptJSON{
			At: a.At, StatusCode: a.HTTPStatus, LatencyMS: a.Latency.Milliseconds(), Error: a.Error, Outcome: string(a.Outcome),
		})
	}
	if d.Status == switchboard.DeliveryPending || d.Status == switchboard.DeliveryRetrying {
		next := d.NextAt
		v.NextAttemptAt = &next
	}
	if !d.LastAttemptAt.IsZero() {
		last := d.LastAttemptAt
		v.LastAttemptAt = &last
	}
	return v
}

type deliveriesResponse struct {
	envelope
	Deliveries []deliveryJSON `json:"deliveries"`
}
