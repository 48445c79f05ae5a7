package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/switchboard/switchboard/wasim"
)

// eventsPhones is K, the simulated phones that send to the instances.
const eventsPhones = 8

// runEvents measures incoming messages turned into webhook deliveries: K phones send texts in a
// closed loop for -duration to N instances (-n, round robin); a receiver on loopback records when
// each arrives. Each text carries its send time, so latency is phone send → webhook arrival.
// The baseline, in the same run and against the same receiver, is N bare whatsmeow clients whose
// event handler POSTs each message straight to the receiver (no outbox, no signature, no retry).
func runEvents(ctx context.Context, e *benchEnv) (result, error) {
	n, window := e.opts.n, e.opts.duration
	phones, err := registerPhones(e.sim, "5511960", eventsPhones)
	if err != nil {
		return result{}, err
	}
	rcv, err := startArrivals()
	if err != nil {
		return result{}, err
	}
	defer rcv.close()

	key := make([]byte, 32)
	_, _ = rand.Read(key)
	dsn := "sqlite:" + e.path("events.db")
	token, err := e.createAccount(ctx, dsn)
	if err != nil {
		return result{}, err
	}
	g, err := e.startGateway(ctx, dsn, e.path("gateway.log"),
		"SWITCHBOARD_SECRET_KEY="+base64.StdEncoding.EncodeToString(key), "SWITCHBOARD_ALLOW_PRIVATE_WEBHOOK_URLS=1")
	if err != nil {
		return result{}, err
	}
	defer g.kill()
	paired, err := pairInstances(ctx, e, g.api, token, n)
	if err != nil {
		return result{}, err
	}
	var targets []types.JID
	for _, inst := range paired {
		body := map[string]any{"url": rcv.url + "/gw", "events": []string{"message.exchange"}}
		if err := g.api.call(ctx, "POST", "/api/events/webhook/"+inst.name, inst.token, body, nil); err != nil {
			return result{}, fmt.Errorf("set webhook: %w", err)
		}
		targets = append(targets, inst.device.ToNonAD())
	}
	progress("events through the gateway: %d phones → %d instances for %s", eventsPhones, n, window)
	gw := floodAndCollect(ctx, e.sim, phones, targets, window, rcv, "gw")
	if _, err := g.stop(); err != nil {
		return result{}, err
	}

	progress("baseline: %d bare whatsmeow clients POST each message to the receiver", n)
	st, container, err := openBareStore(ctx, e.path("events-baseline.db"))
	if err != nil {
		return result{}, err
	}
	defer st.Close()
	clients, err := pairBareMany(ctx, container, e.sim.HTTPClient(), n, e.opts.parallel, func(ctx context.Context, qr string) error {
		_, err := e.sim.ScanQR(ctx, qr, "")
		return err
	})
	if err != nil {
		return result{}, err
	}
	defer disconnectAll(clients)
	targets = targets[:0]
	for _, cli := range clients {
		cli.AddEventHandler(barePoster(rcv.url + "/bare"))
		targets = append(targets, cli.Store.GetJID().ToNonAD())
	}
	base := floodAndCollect(ctx, e.sim, phones, targets, window, rcv, "bare")
	return eventsResult(n, window, gw, base), nil
}

// barePoster is the baseline's whole event pipeline: the message's text, POSTed from the handler.
func barePoster(url string) func(any) {
	return func(evt any) {
		m, ok := evt.(*events.Message)
		if !ok {
			return
		}
		body, _ := json.Marshal(map[string]string{"id": m.Info.ID, "text": m.Message.GetConversation()})
		resp, err := sendClient.Post(url, "application/json", bytes.NewReader(body))
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
}

// arrivals is the local receiver: it records, per text tag, when each message arrived and how
// long after its send.
type arrivals struct {
	url string
	srv *http.Server

	mu    sync.Mutex
	got   map[string]int // tag → events
	lat   map[string][]time.Duration
	first map[string]time.Time
	last  map[string]time.Time
	seen  map[string]bool
}

func startArrivals() (*arrivals, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	a := &arrivals{url: "http://" + ln.Addr().String(), got: map[string]int{}, lat: map[string][]time.Duration{},
		first: map[string]time.Time{}, last: map[string]time.Time{}, seen: map[string]bool{}}
	a.srv = &http.Server{Handler: http.HandlerFunc(a.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = a.srv.Serve(ln) }()
	return a, nil
}

func (a *arrivals) close() { _ = a.srv.Close() }

func (a *arrivals) serve(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	body, _ := io.ReadAll(r.Body)
	var text, id string
	if strings.HasSuffix(r.URL.Path, "/gw") {
		var env struct {
			Data struct {
				ID      string `json:"id"`
				Message struct {
					Content struct {
						Text string `json:"text"`
					} `json:"content"`
				} `json:"message"`
			} `json:"data"`
		}
		_ = json.Unmarshal(body, &env)
		text, id = env.Data.Message.Content.Text, env.Data.ID
	} else {
		var m struct{ ID, Text string }
		_ = json.Unmarshal(body, &m)
		text, id = m.Text, m.ID
	}
	w.WriteHeader(http.StatusOK)
	tag, sentAt, ok := parseBenchText(text)
	if !ok {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.seen[id] {
		return // a repeated delivery counts once
	}
	a.seen[id] = true
	a.got[tag]++
	a.lat[tag] = append(a.lat[tag], now.Sub(sentAt))
	if a.first[tag].IsZero() {
		a.first[tag] = now
	}
	a.last[tag] = now
}

func (a *arrivals) count(tag string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.got[tag]
}

// benchText is "<tag> <unix nanos of the send>".
func benchText(tag string) string { return tag + " " + strconv.FormatInt(time.Now().UnixNano(), 10) }

func parseBenchText(s string) (string, time.Time, bool) {
	tag, nanos, ok := strings.Cut(s, " ")
	if !ok {
		return "", time.Time{}, false
	}
	v, err := strconv.ParseInt(nanos, 10, 64)
	if err != nil {
		return "", time.Time{}, false
	}
	return tag, time.Unix(0, v), true
}

// eventRun is one side's figures.
type eventRun struct {
	sent, delivered int
	perSecond       float64
	latencies       []time.Duration
	errors          int
}

func (r eventRun) percentileMS(p float64) float64 {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.latencies)-1) * p / 100)
	return float64(r.latencies[i]) / float64(time.Millisecond)
}

// floodAndCollect has every phone send to the targets round robin for the window, then waits
// (at most 30 s) for the receiver to have every message. Throughput is messages delivered over
// the time from the first send to the last arrival.
func floodAndCollect(ctx context.Context, sim *wasim.Server, phones []string, targets []types.JID, window time.Duration, rcv *arrivals, tag string) eventRun {
	start := time.Now()
	end := start.Add(window)
	var sent, errs atomic.Int64
	var wg sync.WaitGroup
	for i, phone := range phones {
		wg.Go(func() {
			for k := i; ctx.Err() == nil && time.Now().Before(end); k++ {
				sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				_, err := sim.PhoneSendText(sctx, phone, targets[k%len(targets)], benchText(tag))
				cancel()
				if err != nil {
					errs.Add(1)
					continue
				}
				sent.Add(1)
			}
		})
	}
	wg.Wait()
	for deadline := time.Now().Add(30 * time.Second); rcv.count(tag) < int(sent.Load()) && time.Now().Before(deadline); {
		if sleep(ctx, 20*time.Millisecond) != nil {
			break
		}
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	run := eventRun{sent: int(sent.Load()), delivered: rcv.got[tag], errors: int(errs.Load()), latencies: slices.Clone(rcv.lat[tag])}
	slices.Sort(run.latencies)
	if span := rcv.last[tag].Sub(start); span > 0 {
		run.perSecond = float64(run.delivered) / span.Seconds()
	}
	return run
}

// The goals for the events scenario.
const (
	eventsGoalRatio      = 0.5
	eventsGoalP99Factor  = 2.0
	eventsGoalThroughput = 500
)

func eventsResult(n int, window time.Duration, gw, base eventRun) result {
	r := ratio(gw.perSecond, base.perSecond)
	res := result{
		title:   fmt.Sprintf("events: %d phones → %d instances, texts in a closed loop for %s, one webhook each on loopback", eventsPhones, n, window),
		columns: []string{"events", "gateway (durable outbox)", "bare whatsmeow → POST", "gateway/bare"},
	}
	res.row("events per second", fmt.Sprintf("%.1f", gw.perSecond), fmt.Sprintf("%.1f", base.perSecond), times(r))
	res.row("p50 send → arrival", msec(gw.percentileMS(50)), msec(base.percentileMS(50)), "")
	res.row("p99 send → arrival", msec(gw.percentileMS(99)), msec(base.percentileMS(99)), "")
	res.row("sent / delivered", fmt.Sprintf("%d / %d", gw.sent, gw.delivered), fmt.Sprintf("%d / %d", base.sent, base.delivered), "")
	res.row("phone send errors", fmt.Sprint(gw.errors), fmt.Sprint(base.errors), "")
	res.note("the gateway stores each event in its outbox inside whatsmeow's handler (synchronous ack) and a dispatcher signs and POSTs it; the baseline POSTs from the handler with nothing stored")
	res.note("the phones are simulated in this process, so their sending shares the machine with both sides")
	res.check(fmt.Sprintf("ratio >= %.1f", eventsGoalRatio), r >= eventsGoalRatio, fmt.Sprintf("%.2f", r))
	res.check(fmt.Sprintf("p99 <= %.0f x baseline p99", eventsGoalP99Factor), gw.percentileMS(99) <= eventsGoalP99Factor*base.percentileMS(99),
		fmt.Sprintf("%.1f ms vs %.1f ms", gw.percentileMS(99), base.percentileMS(99)))
	res.check(fmt.Sprintf(">= %d events/s", eventsGoalThroughput), gw.perSecond >= eventsGoalThroughput, fmt.Sprintf("%.1f", gw.perSecond))
	res.fig("scenario", "events")
	res.fig("phones", eventsPhones)
	res.fig("instances", n)
	res.fig("seconds", window.Seconds())
	res.fig("events_per_second", round(gw.perSecond, 1))
	res.fig("p50_ms", round(gw.percentileMS(50), 2))
	res.fig("p99_ms", round(gw.percentileMS(99), 2))
	res.fig("baseline_events_per_second", round(base.perSecond, 1))
	res.fig("baseline_p99_ms", round(base.percentileMS(99), 2))
	res.fig("ratio", round(r, 3))
	res.fig("delivered", gw.delivered)
	res.fig("sent", gw.sent)
	return res
}
