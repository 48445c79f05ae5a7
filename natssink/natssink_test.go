package natssink_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/internal/sinktest"
	"github.com/switchboard/switchboard/natssink"
)

// TestNATSSink runs the broker-sink scenarios against the real NATS server named by
// SWITCHBOARD_TEST_NATS (CI starts it with JetStream on), consuming with an ordered JetStream
// consumer of the stream the sink created.
func TestNATSSink(t *testing.T) {
	url := os.Getenv("SWITCHBOARD_TEST_NATS")
	if url == "" {
		t.Skip("SWITCHBOARD_TEST_NATS is unset (CI sets it to nats://127.0.0.1:4222)")
	}
	js, ctx := jetStream(t, url)
	// The stream is created when missing. It is not deleted here to prove it: other packages'
	// tests (e2e) publish to the same server at the same time. On a fresh server (CI) it is
	// missing, and the sink must create it with StreamConfig; otherwise the existing one must
	// take every switchboard subject.
	_, err := js.Stream(ctx, natssink.DefaultStream)
	missing := errors.Is(err, jetstream.ErrStreamNotFound)
	if err != nil && !missing {
		t.Fatal(err)
	}
	sinktest.Run(t, broker(url, js, ctx))
	info, err := js.Stream(ctx, natssink.DefaultStream)
	if err != nil {
		t.Fatalf("the sink did not create its stream: %v", err)
	}
	cfg := info.CachedInfo().Config
	if len(cfg.Subjects) != 1 || cfg.Subjects[0] != "switchboard.>" {
		t.Fatalf("stream config %+v", cfg)
	}
	if want := natssink.StreamConfig(natssink.DefaultStream); missing &&
		(cfg.Storage != want.Storage || cfg.MaxAge != want.MaxAge || cfg.Duplicates != want.Duplicates) {
		t.Fatalf("the created stream is %+v, want %+v", cfg, want)
	}
	t.Logf("stream %s was missing before the test: %v", natssink.DefaultStream, missing)
}

// BenchmarkNATSSinkThroughput: go test -run '^$' -bench NATSSink ./natssink (with
// SWITCHBOARD_TEST_NATS set).
func BenchmarkNATSSinkThroughput(b *testing.B) {
	url := os.Getenv("SWITCHBOARD_TEST_NATS")
	if url == "" {
		b.Skip("SWITCHBOARD_TEST_NATS is unset")
	}
	js, ctx := jetStream(b, url)
	sinktest.Throughput(b, broker(url, js, ctx), 2000)
}

func jetStream(t testing.TB, url string) (jetstream.JetStream, context.Context) {
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return js, ctx
}

// broker consumes with one ordered JetStream consumer per instance.
func broker(url string, js jetstream.JetStream, ctx context.Context) sinktest.Broker {
	created := false
	return sinktest.Broker{
		URL: url,
		NewPublisher: func(t testing.TB, url string) switchboard.EventPublisher {
			s, err := natssink.New(natssink.Options{URL: url})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		Subscribe: func(t testing.TB, instances []string) <-chan sinktest.Received {
			if !created {
				// The first scene's sink creates the stream; the consumer needs it first, so
				// this publishes nothing and only creates it the way the sink would.
				probe, err := natssink.New(natssink.Options{URL: url})
				if err != nil {
					t.Fatal(err)
				}
				ensure(t, ctx, probe)
				probe.Close()
				created = true
			}
			// One ordered consumer per instance (servers before 2.10 take one filter each);
			// each keeps its instance's order, which is what the scenarios check.
			out := make(chan sinktest.Received, 1024)
			for _, name := range instances {
				cons, err := js.OrderedConsumer(ctx, natssink.DefaultStream, jetstream.OrderedConsumerConfig{
					FilterSubjects: []string{switchboard.EventSubject(name, ">")}})
				if err != nil {
					t.Fatal(err)
				}
				cc, err := cons.Consume(func(m jetstream.Msg) {
					out <- sinktest.Received{Subject: m.Subject(), ID: m.Headers().Get(jetstream.MsgIDHeader), Body: m.Data()}
				})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(cc.Stop)
			}
			return out
		},
	}
}

// ensure creates the stream through the sink's own path: a publish to a subject no instance
// can have ("_probe": instance names start with a letter or digit) that nobody consumes.
func ensure(t testing.TB, ctx context.Context, s *natssink.Sink) {
	err := s.Publish(ctx, switchboard.BrokerMessage{ID: "probe", Subject: switchboard.EventSubject("_probe", "probe"), Body: []byte("{}")})
	if err != nil {
		t.Fatal(err)
	}
}
