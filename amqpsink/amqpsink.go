// Package amqpsink publishes every event to RabbitMQ (AMQP 0-9-1): a durable topic exchange,
// routing key switchboard.<instance>.<event>, body the RyzeAPI envelope, persistent messages
// whose message-id is the event id (for consumers' dedupe), each publish awaiting the broker's
// publisher confirm. The outbox decides what to publish and keeps the cursor; this package only
// talks to the broker.
package amqpsink

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/switchboard/switchboard"
)

// DefaultExchange is the topic exchange events go to when Options.Exchange is empty.
const DefaultExchange = "switchboard.events"

// Options configure a Sink.
type Options struct {
	URL      string // amqp://user:pass@host:5672/vhost (amqps:// for TLS)
	Exchange string // DefaultExchange when empty; declared durable, type topic
	Name     string // the connection name the broker shows
}

// Sink is a switchboard.EventPublisher on RabbitMQ. It dials lazily and again after any
// failure, so a broker that is down at start or goes away later only delays publications.
type Sink struct {
	o Options

	mu   sync.Mutex
	conn *amqp.Connection
	ch   *amqp.Channel // in confirm mode, the exchange declared
}

var _ switchboard.EventPublisher = (*Sink)(nil)

// New returns a Sink; it connects on the first publication.
func New(o Options) (*Sink, error) {
	if o.URL == "" {
		return nil, errors.New("amqpsink: no URL")
	}
	if _, err := amqp.ParseURI(o.URL); err != nil {
		return nil, fmt.Errorf("amqpsink: %w", err)
	}
	if o.Exchange == "" {
		o.Exchange = DefaultExchange
	}
	if o.Name == "" {
		o.Name = "switchboard"
	}
	return &Sink{o: o}, nil
}

// Name keys the sink's cursor.
func (s *Sink) Name() string { return "amqp" }

// Publish sends m and waits for the publisher confirm. A nack or a lost connection is an error
// (the outbox publishes the same message again).
func (s *Sink) Publish(ctx context.Context, m switchboard.BrokerMessage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, err := s.channel(ctx)
	if err != nil {
		return err
	}
	confirm, err := ch.PublishWithDeferredConfirmWithContext(ctx, s.o.Exchange, m.Subject, false, false, amqp.Publishing{
		ContentType:  "application/json",
		DeliveryMode: amqp.Persistent,
		MessageId:    m.ID,
		Type:         m.Type,
		Timestamp:    time.Now(),
		AppId:        "switchboard",
		Body:         m.Body,
	})
	if err != nil {
		s.reset()
		return fmt.Errorf("amqpsink: publish: %w", err)
	}
	acked, err := confirm.WaitContext(ctx)
	switch {
	case err != nil:
		s.reset() // the confirm may still come on this channel; a fresh one keeps tags simple
		return fmt.Errorf("amqpsink: waiting for the confirm: %w", err)
	case !acked:
		return errors.New("amqpsink: the broker refused the message (nack)")
	}
	return nil
}

// channel returns the open confirm-mode channel, dialling and declaring as needed.
func (s *Sink) channel(ctx context.Context) (*amqp.Channel, error) {
	if s.ch != nil && !s.ch.IsClosed() && !s.conn.IsClosed() {
		return s.ch, nil
	}
	s.reset()
	props := amqp.NewConnectionProperties()
	props.SetClientConnectionName(s.o.Name)
	conn, err := amqp.DialConfig(s.o.URL, amqp.Config{
		Properties: props,
		Heartbeat:  10 * time.Second,
		Dial: func(network, addr string) (net.Conn, error) {
			d := net.Dialer{Timeout: 10 * time.Second}
			return d.DialContext(ctx, network, addr)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("amqpsink: dial: %w", err)
	}
	ch, err := conn.Channel()
	if err == nil {
		err = ch.Confirm(false)
	}
	if err == nil {
		err = ch.ExchangeDeclare(s.o.Exchange, amqp.ExchangeTopic, true, false, false, false, nil)
	}
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("amqpsink: channel: %w", err)
	}
	s.conn, s.ch = conn, ch
	return ch, nil
}

// reset drops the connection, so the next publication dials again.
func (s *Sink) reset() {
	if s.conn != nil {
		_ = s.conn.Close()
	}
	s.conn, s.ch = nil, nil
}

// Close closes the connection.
func (s *Sink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reset()
	return nil
}
