// Package sinktest runs the same scenarios against every broker sink (natssink, amqpsink): the
// real outbox on a real store (SQLite and PostgreSQL), the real broker running on the machine,
// and a consumer of that broker that checks what arrived: every event, in per-instance order,
// with its subject and the envelope a webhook would get.
package sinktest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/outbox"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/webhook"
	"github.com/switchboard/switchboard/webhook/webhooktest"
)

// BaseURL is instanceData.baseUrl in the envelopes the scenarios expect.
const BaseURL = "https://gw.example"

// wait bounds how long a scenario waits for what it expects before failing (not a speed check).
const wait = 90 * time.Second

// Received is one message a consumer got from the broker.
type Received struct {
	Subject string // NATS subject or AMQP routing key
	ID      string // Nats-Msg-Id or AMQP message-id
	Body    []byte
}

// Broker is the adapter under test.
type Broker struct {
	// URL is the real broker's (SWITCHBOARD_TEST_NATS, SWITCHBOARD_TEST_AMQP).
	URL string
	// NewPublisher builds the sink on url (the broker's, or a proxy's in front of it).
	NewPublisher func(t testing.TB, url string) switchboard.EventPublisher
	// Subscribe starts consuming, from the broker directly, every message whose subject is of
	// one of the instances (switchboard.<instance>.*), before anything is published.
	Subscribe func(t testing.TB, instances []string) <-chan Received
}

// Run runs every scenario on SQLite and PostgreSQL.
func Run(t *testing.T, b Broker) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		t.Run("InOrderWithSubjectAndEnvelope", func(t *testing.T) { inOrder(t, b, dsn) })
		t.Run("GatewayRestartMidStream", func(t *testing.T) { restartMidStream(t, b, dsn) })
		t.Run("BrokerDownThenBack", func(t *testing.T) { brokerDownThenBack(t, b, dsn) })
	})
}

// scene is one scenario's world: a store, two instances (one with a dot in its name), a proxy
// in front of the broker and a consumer.
type scene struct {
	t     testing.TB
	b     Broker
	dsn   string
	s     *store.Store
	insts []*switchboard.Instance
	proxy *Proxy
	recv  <-chan Received
	got   []Received
}

func newScene(t testing.TB, b Broker, dsn string) *scene {
	sc := &scene{t: t, b: b, dsn: dsn, s: storetest.OpenDSN(t, dsn)}
	token := switchboard.NewToken(switchboard.AccountTokenPrefix)
	// Unique names: the broker outlives the test, and earlier runs' messages must not count.
	suffix := randomHex(4)
	acc, err := sc.s.CreateAccount(ctx(t), "acme-"+suffix, 0, switchboard.HashToken(token))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, name := range []string{"shop-" + suffix, "eu.shop-" + suffix} {
		inst := &switchboard.Instance{AccountID: acc.ID, Name: name, Settings: switchboard.DefaultSettings()}
		if err := sc.s.CreateInstance(ctx(t), inst, switchboard.HashToken(switchboard.NewToken(switchboard.InstanceTokenPrefix)), 0); err != nil {
			t.Fatal(err)
		}
		sc.insts = append(sc.insts, inst)
		names = append(names, name)
	}
	sc.proxy = StartProxy(t, hostPort(t, b.URL))
	sc.recv = b.Subscribe(t, names)
	return sc
}

// gateway is one run of the gateway's event side: an outbox on its own connection to the
// database with the sink under test (wrapped to count and gate publications).
type gateway struct {
	ob  *outbox.Outbox
	pub *gatedPublisher
}

func (sc *scene) startGateway(s *store.Store, extra ...func(*outbox.Options)) *gateway {
	pub := &gatedPublisher{EventPublisher: sc.b.NewPublisher(sc.t, sc.proxy.URL(sc.t, sc.b.URL)), stallAfter: -1}
	o := outbox.Options{Store: s, Encode: webhook.Encoder(BaseURL), Publishers: []switchboard.EventPublisher{pub},
		SinkRetryMax: 200 * time.Millisecond}
	for _, f := range extra {
		f(&o)
	}
	ob := outbox.New(o)
	if err := ob.Start(ctx(sc.t)); err != nil {
		sc.t.Fatal(err)
	}
	g := &gateway{ob: ob, pub: pub}
	sc.t.Cleanup(g.stop)
	return g
}

func (g *gateway) stop() {
	g.ob.Close()
	_ = g.pub.Close()
}

// emit stores n events per instance through the outbox, interleaving the instances.
func (sc *scene) emit(g *gateway, n int) []switchboard.Event {
	var out []switchboard.Event
	for i := range n {
		for _, inst := range sc.insts {
			data, _ := json.Marshal(map[string]any{"n": i, "text": "héllo <&> " + inst.Name})
			e, err := g.ob.Emit(ctx(sc.t), switchboard.Event{InstanceID: inst.ID, Type: switchboard.EventMessageExchange, Data: data})
			if err != nil {
				sc.t.Fatal(err)
			}
			out = append(out, e)
		}
	}
	return out
}

// await receives until every wanted event arrived at least once.
func (sc *scene) await(want []switchboard.Event) {
	sc.t.Helper()
	missing := map[string]bool{}
	for _, e := range want {
		missing[e.ID] = true
	}
	for _, r := range sc.got {
		delete(missing, r.ID)
	}
	deadline := time.After(wait)
	for len(missing) > 0 {
		select {
		case r := <-sc.recv:
			sc.got = append(sc.got, r)
			delete(missing, r.ID)
		case <-deadline:
			sc.t.Fatalf("%d of %d events never reached the broker's consumer", len(missing), len(want))
		}
	}
}

// check verifies what arrived: exactly the wanted events (the first arrival of each), in
// sequence order per instance, each with its subject and envelope; it returns how many arrived
// more than once.
func (sc *scene) check(want []switchboard.Event) (duplicates int) {
	sc.t.Helper()
	byID := map[string]switchboard.Event{}
	names := map[int64]string{}
	for _, inst := range sc.insts {
		names[inst.ID] = inst.Name
	}
	for _, e := range want {
		byID[e.ID] = e
	}
	seen := map[string]bool{}
	lastSeq := map[int64]int64{}
	for _, r := range sc.got {
		e, ok := byID[r.ID]
		if !ok {
			sc.t.Fatalf("the consumer got message %q (%s), which is no event of this test", r.ID, r.Subject)
		}
		name := names[e.InstanceID]
		if wantSubject := switchboard.EventSubject(name, e.Type); r.Subject != wantSubject {
			sc.t.Fatalf("event %s arrived on %q, want %q", e.ID, r.Subject, wantSubject)
		}
		body, err := webhook.Body(e, name, BaseURL)
		if err != nil {
			sc.t.Fatal(err)
		}
		if string(r.Body) != string(body) {
			sc.t.Fatalf("event %s arrived as\n%s\nwant the webhook envelope\n%s", e.ID, r.Body, body)
		}
		if seen[r.ID] {
			duplicates++
			continue
		}
		seen[r.ID] = true
		if e.Seq <= lastSeq[e.InstanceID] {
			sc.t.Fatalf("instance %s: seq %d arrived after seq %d", name, e.Seq, lastSeq[e.InstanceID])
		}
		lastSeq[e.InstanceID] = e.Seq
	}
	for id := range byID {
		if !seen[id] {
			sc.t.Fatalf("event %s never arrived", id)
		}
	}
	// The envelope's own fields, decoded independently of webhook.Body.
	var env struct {
		Event        string            `json:"event"`
		ID           string            `json:"id"`
		InstanceData map[string]string `json:"instanceData"`
		Data         map[string]any    `json:"data"`
	}
	if err := json.Unmarshal(sc.got[0].Body, &env); err != nil {
		sc.t.Fatal(err)
	}
	if env.Event != switchboard.EventMessageExchange || env.ID != sc.got[0].ID || env.InstanceData["baseUrl"] != BaseURL || env.Data["text"] == nil {
		sc.t.Fatalf("envelope %+v", env)
	}
	return duplicates
}

// inOrder: events of two instances, emitted interleaved, arrive once each and in order.
func inOrder(t *testing.T, b Broker, dsn string) {
	sc := newScene(t, b, dsn)
	g := sc.startGateway(sc.s)
	want := sc.emit(g, 40)
	sc.await(want)
	if d := sc.check(want); d != 0 {
		t.Fatalf("%d duplicates without any failure", d)
	}
}

// Throughput measures how fast a sink publishes, with n events of two instances on SQLite:
// events_per_second from the first Emit through the real outbox (the sink running) until the
// consumer got the last, and drain_events_per_second for a backlog of n stored while no sink
// ran, from the sink's start until the last arrived. Figures, not checks: the machine may be busy.
func Throughput(b *testing.B, broker Broker, n int) {
	for range b.N {
		sc := newScene(b, broker, storetest.SQLiteDSN(b))
		g := sc.startGateway(sc.s)
		start := time.Now()
		want := sc.emit(g, n/2)
		sc.await(want)
		b.ReportMetric(float64(len(want))/time.Since(start).Seconds(), "events_per_second")
		g.stop()

		sc = newScene(b, broker, storetest.SQLiteDSN(b))
		quiet := outbox.New(outbox.Options{Store: sc.s})
		backlog := sc.emit(&gateway{ob: quiet}, n/2)
		start = time.Now()
		sc.startGateway(sc.s)
		sc.await(backlog)
		b.ReportMetric(float64(len(backlog))/time.Since(start).Seconds(), "drain_events_per_second")
	}
}

// restartMidStream stops the gateway while the sink is in the middle of its backlog (its
// publications held after 15 confirmed), then starts a new one on a fresh database connection:
// it resumes from the cursor, and events emitted after the restart follow.
func restartMidStream(t *testing.T, b Broker, dsn string) {
	sc := newScene(t, b, dsn)
	g1 := sc.startGateway(sc.s)
	g1.pub.stall(15)
	want := sc.emit(g1, 30)
	g1.pub.waitStalled(t)
	g1.stop()
	if n := g1.pub.confirmed.Load(); n != 15 {
		t.Fatalf("the first run published %d events, want 15", n)
	}
	g2 := sc.startGateway(storetest.OpenDSN(t, sc.dsn))
	want = append(want, sc.emit(g2, 10)...)
	sc.await(want)
	// A clean stop records the cursor of what was confirmed, so nothing is published twice (a
	// SIGKILL between a confirm and the cursor write would repeat at most one batch, same ids).
	if d := sc.check(want); d != 0 {
		t.Fatalf("%d duplicates after a clean restart", d)
	}
}

// brokerDownThenBack cuts the broker off mid-stream: the sink fails and retries while a webhook
// of the same instance keeps receiving everything; once the broker is back the sink catches up
// from its cursor, in order.
func brokerDownThenBack(t *testing.T, b Broker, dsn string) {
	sc := newScene(t, b, dsn)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	sealer, err := store.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	rcv := webhooktest.Start(t)
	secret := switchboard.NewWebhookSecret()
	rcv.SetSecret(secret)
	sealed, err := sealer.Seal([]byte(secret), sc.insts[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	hook := &switchboard.Webhook{InstanceID: sc.insts[0].ID, Label: "default", Enabled: true, URL: rcv.URL + "/hook", SecretSealed: sealed}
	if err := sc.s.UpsertWebhook(ctx(t), hook); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	g := sc.startGateway(sc.s, func(o *outbox.Options) {
		o.Sender = webhook.NewSender(nil, "Switchboard/test", BaseURL)
		o.Open = sealer.Open
		o.Metrics = reg
	})
	want := sc.emit(g, 10)
	sc.await(want)

	sc.proxy.Cut()
	failed := g.pub.failed.Load()
	more := sc.emit(g, 20)
	want = append(want, more...)
	// The webhook gets every event of its instance while the broker is unreachable.
	rcv.WaitFor(t, wait, "every event at the webhook while the broker is down", func(all []webhooktest.Delivery) bool {
		return len(all) >= len(want)/2
	})
	waitUntil(t, "the sink to fail against the cut broker", func() bool { return g.pub.failed.Load() > failed })
	sc.proxy.Restore()
	sc.await(want)
	d := sc.check(want)
	t.Logf("broker down then back: %d events, %d failed publications, %d duplicates", len(want), g.pub.failed.Load(), d)
	// The counters say the same as the wrapper saw. The consumer can get the last event before the
	// sink has counted its confirmation (the count follows Publish's return), and a publication
	// retried after the cut can still be confirmed meanwhile, so wait for the two to agree, each
	// read once per look.
	sink := g.pub.Name()
	waitUntil(t, "the published counter to agree with the confirmations", func() bool {
		confirmed := g.pub.confirmed.Load()
		return counterValue(t, reg, "switchboard_event_sink_published_total", sink) == float64(confirmed)
	})
	if failures := counterValue(t, reg, "switchboard_event_sink_failures_total", sink); failures < 1 {
		t.Fatalf("metrics: failures %v, want at least the one seen against the cut broker", failures)
	}
}

// gatedPublisher wraps the sink under test: it counts confirmed and failed publications, and
// can hold every publication after the first n until its context ends (a gateway stopped while
// publishing).
type gatedPublisher struct {
	switchboard.EventPublisher
	confirmed, failed atomic.Int64

	mu         sync.Mutex
	stallAfter int64 // -1: never
	stalled    chan struct{}
}

func (p *gatedPublisher) stall(after int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stallAfter, p.stalled = after, make(chan struct{})
}

func (p *gatedPublisher) waitStalled(t testing.TB) {
	select {
	case <-p.stalled:
	case <-time.After(wait):
		t.Fatal("the sink never reached the stall point")
	}
}

func (p *gatedPublisher) Publish(ctx context.Context, m switchboard.BrokerMessage) error {
	p.mu.Lock()
	hold := p.stallAfter >= 0 && p.confirmed.Load() >= p.stallAfter
	if hold {
		select {
		case <-p.stalled:
		default:
			close(p.stalled)
		}
	}
	p.mu.Unlock()
	if hold {
		<-ctx.Done()
		return ctx.Err()
	}
	if err := p.EventPublisher.Publish(ctx, m); err != nil {
		p.failed.Add(1)
		return err
	}
	p.confirmed.Add(1)
	return nil
}

// counterValue reads the sink's series of a counter in reg.
func counterValue(t testing.TB, reg *prometheus.Registry, name, sink string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "sink" && l.GetValue() == sink {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{sink=%q} in the registry", name, sink)
	return 0
}

func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// hostPort is the host:port of a broker URL.
func hostPort(t testing.TB, rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		t.Fatalf("broker URL %q: %v", rawURL, err)
	}
	return u.Host
}
