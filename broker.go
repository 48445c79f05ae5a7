package switchboard

import (
	"context"
	"strings"
)

// BrokerMessage is one event as a message-broker sink publishes it.
type BrokerMessage struct {
	// ID is the event's id, stable across re-publications: JetStream's Nats-Msg-Id and AMQP's
	// message-id, so the broker (JetStream's duplicate window) and consumers can drop a repeat.
	ID string
	// Subject is EventSubject(instance, type): the NATS subject and the AMQP routing key.
	Subject string
	Type    string // the event type, e.g. message.exchange
	// Body is the RyzeAPI envelope, the same bytes a webhook receives.
	Body []byte
}

// EventPublisher is a server-wide sink that publishes every event to a message broker. The
// outbox feeds it in per-instance order from a durable cursor of its own; Publish returns nil
// only once the broker confirmed the message (a JetStream ack, an AMQP publisher confirm), and
// an error makes the outbox retry the same message with backoff, so nothing is skipped.
type EventPublisher interface {
	// Name keys the sink's cursor in the database ("nats", "amqp"); it must stay the same across
	// restarts.
	Name() string
	Publish(ctx context.Context, m BrokerMessage) error
	Close() error
}

// EventSubjectPrefix starts every broker subject.
const EventSubjectPrefix = "switchboard"

// EventSubject is the broker subject (and AMQP routing key) of an event:
// switchboard.<instance>.<event>, e.g. switchboard.shop.message.exchange. Dots separate tokens
// in both brokers, and instance names may contain dots, so a dot in the name becomes '~' (a
// character instance names cannot hold): instance "eu.shop" is switchboard.eu~shop.<event>.
func EventSubject(instance, eventType string) string {
	return EventSubjectPrefix + "." + strings.ReplaceAll(instance, ".", "~") + "." + eventType
}

// SinkBacklog is an instance whose events a broker sink has not all published yet.
type SinkBacklog struct {
	InstanceID   int64
	InstanceName string
	Cursor       int64 // the last seq the sink published (0: none)
	LastSeq      int64 // the instance's last stored seq
}
