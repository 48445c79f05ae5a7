// Package natssink publishes every event to NATS JetStream: subject
// switchboard.<instance>.<event>, body the RyzeAPI envelope, header Nats-Msg-Id the event id (so
// JetStream's duplicate window drops a re-publication), each publish awaiting the stream's ack.
// The outbox decides what to publish and keeps the cursor; this package only talks to NATS.
package natssink

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/switchboard/switchboard"
)

// DefaultStream is the JetStream stream events go to when Options.Stream is empty.
const DefaultStream = "SWITCHBOARD_EVENTS"

// Options configure a Sink.
type Options struct {
	URL    string // nats://[user:pass@]host:4222, comma-separated for a cluster
	Stream string // DefaultStream when empty
	// Name is how the NATS server lists the connection.
	Name string
}

// Sink is a switchboard.EventPublisher on JetStream.
type Sink struct {
	o  Options
	nc *nats.Conn
	js jetstream.JetStream

	mu        sync.Mutex
	streamSet bool // the stream is known to exist (checked, or created, since the last failure)
}

var _ switchboard.EventPublisher = (*Sink)(nil)

// New connects to NATS. A server that is not reachable yet is not an error: the client keeps
// reconnecting in the background, and publications fail (and are retried by the outbox) until
// it is back.
func New(o Options) (*Sink, error) {
	if o.Stream == "" {
		o.Stream = DefaultStream
	}
	if o.Name == "" {
		o.Name = "switchboard"
	}
	nc, err := nats.Connect(o.URL,
		nats.Name(o.Name),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		// No buffering while disconnected: a publication fails at once and the outbox retries it
		// from its cursor, rather than waiting in a buffer that dies with the process.
		nats.ReconnectBufSize(-1),
	)
	if err != nil {
		return nil, fmt.Errorf("natssink: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("natssink: %w", err)
	}
	return &Sink{o: o, nc: nc, js: js}, nil
}

// Name keys the sink's cursor.
func (s *Sink) Name() string { return "nats" }

// Publish sends m and waits for JetStream's ack.
func (s *Sink) Publish(ctx context.Context, m switchboard.BrokerMessage) error {
	if err := s.ensureStream(ctx); err != nil {
		return err
	}
	msg := nats.NewMsg(m.Subject)
	msg.Data = m.Body
	msg.Header.Set("Content-Type", "application/json")
	msg.Header.Set("Switchboard-Event", m.Type)
	if _, err := s.js.PublishMsg(ctx, msg, jetstream.WithMsgID(m.ID)); err != nil {
		s.mu.Lock()
		s.streamSet = false // it may have been deleted: check again before the retry
		s.mu.Unlock()
		return fmt.Errorf("natssink: publish: %w", err)
	}
	return nil
}

// ensureStream creates the stream when it is missing. An existing stream is used as it is: its
// limits and subjects are the operator's (they must include switchboard.>).
func (s *Sink) ensureStream(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.streamSet {
		return nil
	}
	_, err := s.js.Stream(ctx, s.o.Stream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		_, err = s.js.CreateStream(ctx, StreamConfig(s.o.Stream))
		if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
			err = nil // another gateway created it meanwhile
		}
	}
	if err != nil {
		return fmt.Errorf("natssink: stream %s: %w", s.o.Stream, err)
	}
	s.streamSet = true
	return nil
}

// StreamConfig is the stream created when none exists: every switchboard subject, on disk, kept a
// week, with a two-minute duplicate window for Nats-Msg-Id.
func StreamConfig(name string) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        name,
		Description: "Switchboard events (switchboard.<instance>.<event>)",
		Subjects:    []string{switchboard.EventSubjectPrefix + ".>"},
		Storage:     jetstream.FileStorage,
		MaxAge:      7 * 24 * time.Hour,
		Duplicates:  2 * time.Minute,
	}
}

// Close drains nothing (every publication already awaited its ack) and closes the connection.
func (s *Sink) Close() error {
	s.nc.Close()
	return nil
}
