package amqpsink_test

import (
	"os"
	"testing"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/amqpsink"
	"github.com/switchboard/switchboard/internal/sinktest"
)

// TestAMQPSink runs the broker-sink scenarios against the real RabbitMQ named by
// SWITCHBOARD_TEST_AMQP (CI starts it), consuming from a queue bound to the topic exchange with
// the instances' routing keys.
func TestAMQPSink(t *testing.T) {
	url := os.Getenv("SWITCHBOARD_TEST_AMQP")
	if url == "" {
		t.Skip("SWITCHBOARD_TEST_AMQP is unset (CI sets it to amqp://guest:guest@127.0.0.1:5672/)")
	}
	sinktest.Run(t, broker(url))
}

// BenchmarkAMQPSinkThroughput: go test -run '^$' -bench AMQPSink ./amqpsink (with
// SWITCHBOARD_TEST_AMQP set).
func BenchmarkAMQPSinkThroughput(b *testing.B) {
	url := os.Getenv("SWITCHBOARD_TEST_AMQP")
	if url == "" {
		b.Skip("SWITCHBOARD_TEST_AMQP is unset")
	}
	sinktest.Throughput(b, broker(url), 2000)
}

// broker consumes from a queue bound to the exchange with the instances' routing keys.
func broker(url string) sinktest.Broker {
	return sinktest.Broker{
		URL: url,
		NewPublisher: func(t testing.TB, url string) switchboard.EventPublisher {
			s, err := amqpsink.New(amqpsink.Options{URL: url})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		Subscribe: func(t testing.TB, instances []string) <-chan sinktest.Received {
			conn, err := amqp.Dial(url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = conn.Close() })
			ch, err := conn.Channel()
			if err != nil {
				t.Fatal(err)
			}
			// Declared as the sink declares it (durable topic), so whichever comes first wins.
			if err := ch.ExchangeDeclare(amqpsink.DefaultExchange, amqp.ExchangeTopic, true, false, false, false, nil); err != nil {
				t.Fatal(err)
			}
			q, err := ch.QueueDeclare("", false, true, true, false, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range instances {
				if err := ch.QueueBind(q.Name, switchboard.EventSubject(name, "#"), amqpsink.DefaultExchange, false, nil); err != nil {
					t.Fatal(err)
				}
			}
			deliveries, err := ch.Consume(q.Name, "", true, true, false, false, nil)
			if err != nil {
				t.Fatal(err)
			}
			out := make(chan sinktest.Received, 1024)
			go func() {
				for d := range deliveries {
					if d.ContentType != "application/json" || d.DeliveryMode != amqp.Persistent {
						d.MessageId = "wrong properties: " + d.ContentType
					}
					out <- sinktest.Received{Subject: d.RoutingKey, ID: d.MessageId, Body: d.Body}
				}
			}()
			return out
		},
	}
}
