package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/amqpsink"
	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/natssink"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestEventsReachBothBrokers runs the gateway as `serve` would with both broker settings, pairs
// an instance with a simulated phone, and consumes its instance.state events from the real NATS
// and RabbitMQ of the machine: the settings really wire the sinks, and what whatsmeow's events
// become reaches them with the subject, the message id and the envelope.
func TestEventsReachBothBrokers(t *testing.T) {
	natsURL, amqpURL := os.Getenv("SWITCHBOARD_TEST_NATS"), os.Getenv("SWITCHBOARD_TEST_AMQP")
	if natsURL == "" || amqpURL == "" {
		t.Skip("SWITCHBOARD_TEST_NATS and SWITCHBOARD_TEST_AMQP are unset (CI sets both)")
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "brokers-" + hex.EncodeToString(b) // unique: both brokers outlive the test
	subject := switchboard.EventSubject(name, switchboard.EventInstanceState)
	ctx, cancel := context.WithTimeout(context.Background(), apptest.Timeout)
	defer cancel()

	// RabbitMQ drops what no queue is bound for, so the queue comes first.
	conn, err := amqp.Dial(amqpURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.ExchangeDeclare(amqpsink.DefaultExchange, amqp.ExchangeTopic, true, false, false, false, nil); err != nil {
		t.Fatal(err)
	}
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.QueueBind(q.Name, switchboard.EventSubject(name, "#"), amqpsink.DefaultExchange, false, nil); err != nil {
		t.Fatal(err)
	}
	amqpMsgs, err := ch.Consume(q.Name, "", true, true, false, false, nil)
	if err != nil {
		t.Fatal(err)
	}

	e := apptest.Start(t, storetest.SQLiteDSN(t), func(c *app.Config) { c.EventsNATSURL, c.EventsAMQPURL = natsURL, amqpURL })
	acc := e.Account("acme")
	e.Instance(acc, name)
	e.Pair(acc, name, "")

	// RabbitMQ: instance.state events until "connected".
	var amqpIDs []string
	for connected := false; !connected; {
		select {
		case d := <-amqpMsgs:
			env := decodeBrokerEnvelope(t, d.Body, name)
			if d.RoutingKey != subject || d.MessageId != env.ID || d.Type != switchboard.EventInstanceState {
				t.Fatalf("AMQP message %s with id %q type %q for event %s", d.RoutingKey, d.MessageId, d.Type, env.ID)
			}
			amqpIDs = append(amqpIDs, env.ID)
			connected = env.Data.State == switchboard.EventStateConnected
		case <-ctx.Done():
			t.Fatalf("no connected instance.state on RabbitMQ; got %d events", len(amqpIDs))
		}
	}

	// NATS: the same events, in the same order, from the stream.
	nc, err := nats.Connect(natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := js.OrderedConsumer(ctx, natssink.DefaultStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{switchboard.EventSubject(name, ">")}})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range amqpIDs {
		m, err := cons.Next(jetstream.FetchMaxWait(apptest.Timeout))
		if err != nil {
			t.Fatalf("NATS event %d of %d: %v", i+1, len(amqpIDs), err)
		}
		env := decodeBrokerEnvelope(t, m.Data(), name)
		if m.Subject() != subject || env.ID != want || m.Headers().Get(jetstream.MsgIDHeader) != want {
			t.Fatalf("NATS event %d is %s on %s (Nats-Msg-Id %q), want %s", i+1, env.ID, m.Subject(), m.Headers().Get(jetstream.MsgIDHeader), want)
		}
	}
}

type brokerEnvelope struct {
	Event        string            `json:"event"`
	ID           string            `json:"id"`
	Seq          int64             `json:"seq"`
	InstanceData map[string]string `json:"instanceData"`
	Data         struct {
		State string `json:"state"`
	} `json:"data"`
}

func decodeBrokerEnvelope(t *testing.T, body []byte, instance string) brokerEnvelope {
	t.Helper()
	var env brokerEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("broker body %s: %v", body, err)
	}
	if env.Event != switchboard.EventInstanceState || env.InstanceData["instance"] != instance || env.ID == "" || env.Seq == 0 {
		t.Fatalf("broker envelope %s", body)
	}
	return env
}
