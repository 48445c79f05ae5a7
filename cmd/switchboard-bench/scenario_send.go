package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard/switchboard/wasim"
)

// sendPhones is how many simulated phones receive the texts, round robin.
const sendPhones = 8

// runSend measures texts per second through POST /api/message/text/{instance}: -c API clients
// in a closed loop, for -duration, spread over sendPhones simulated phones, with the send
// interval at 0 so the queue only serialises. The baseline is a bare whatsmeow client in this
// process calling SendMessage from -c goroutines to the same phones for the same time. One
// WhatsApp client serialises its sends either way (whatsmeow's send lock), so the ratio is the
// gateway's overhead per message: HTTP, validation, the recipient check (cached), the queue and
// the message store write. Every phone's decrypted inbox is checked afterwards.
func runSend(ctx context.Context, e *benchEnv) (result, error) {
	c, window := e.opts.concurrency, e.opts.duration
	phones, err := registerPhones(e.sim, "5511970", sendPhones)
	if err != nil {
		return result{}, err
	}
	dsn := "sqlite:" + e.path("send.db")
	token, err := e.createAccount(ctx, dsn)
	if err != nil {
		return result{}, err
	}
	g, err := e.startGateway(ctx, dsn, e.path("gateway.log"), "SWITCHBOARD_SEND_INTERVAL=0")
	if err != nil {
		return result{}, err
	}
	defer g.kill()
	paired, err := pairInstances(ctx, e, g.api, token, 1)
	if err != nil {
		return result{}, err
	}
	inst := paired[0]
	progress("sending texts through the gateway: %d clients for %s", c, window)
	target := fmt.Sprintf("%s/api/message/text/%s", g.api.base, url.PathEscape(inst.name))
	gw := closedSendLoop(ctx, c, window, func(ctx context.Context, i int) bool {
		return postText(ctx, target, inst.token, phones[i%len(phones)], fmt.Sprintf("gw %d", i))
	})
	if gw.requests == 0 {
		return result{}, fmt.Errorf("no send through the gateway succeeded (%d errors)", gw.errors)
	}
	gwDelivered, err := delivered(ctx, e.sim, phones, inst.device.User)
	if err != nil {
		return result{}, err
	}
	if _, err := g.stop(); err != nil {
		return result{}, err
	}

	progress("baseline: a bare whatsmeow client sends from %d goroutines for %s", c, window)
	cli, closeBare, err := e.pairedBareClient(ctx, "send-baseline.db")
	if err != nil {
		return result{}, err
	}
	defer closeBare()
	jids := make([]types.JID, len(phones))
	for i, p := range phones {
		jids[i] = types.NewJID(p, types.DefaultUserServer)
	}
	base := closedSendLoop(ctx, c, window, func(ctx context.Context, i int) bool {
		return bareText(ctx, cli, jids[i%len(jids)], fmt.Sprintf("bare %d", i))
	})
	baseDelivered, err := delivered(ctx, e.sim, phones, cli.Store.GetJID().User)
	if err != nil {
		return result{}, err
	}
	return sendResult(c, window, gw, base, gwDelivered, baseDelivered), nil
}

// registerPhones registers n simulated phones numbered from prefix.
func registerPhones(sim *wasim.Server, prefix string, n int) ([]string, error) {
	out := make([]string, n)
	for i := range out {
		jid, err := sim.RegisterPhone(fmt.Sprintf("%s%04d", prefix, i+1), fmt.Sprintf("Bench %d", i+1))
		if err != nil {
			return nil, err
		}
		out[i] = jid.User
	}
	return out, nil
}

var sendClient = &http.Client{Transport: &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024}}

func postText(ctx context.Context, target, token, number, text string) bool {
	return postJSON(ctx, target, token, map[string]string{"number": number, "message": text})
}

// postJSON sends one API request with the instance token and reports a 200.
func postJSON(ctx context.Context, target, token string, payload any) bool {
	body, _ := json.Marshal(payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header.Set("token", token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := sendClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == http.StatusOK
}

func bareText(ctx context.Context, cli *whatsmeow.Client, to types.JID, text string) bool {
	_, err := cli.SendMessage(ctx, to, &waE2E.Message{Conversation: proto.String(text)})
	return err == nil
}

// closedSendLoop keeps c sends in flight for the window after a warm-up, numbering every send.
func closedSendLoop(ctx context.Context, c int, window time.Duration, send func(context.Context, int) bool) loadStats {
	measureFrom := time.Now().Add(loadWarmup)
	end := measureFrom.Add(window)
	var rec recorder
	var seq atomic.Int64
	var wg sync.WaitGroup
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				start := time.Now()
				if start.After(end) {
					return
				}
				ok := send(ctx, int(seq.Add(1)))
				if start.Before(measureFrom) {
					continue
				}
				size := 0
				if !ok {
					size = -1
				}
				rec.add(time.Since(start), size)
			}
		}()
	}
	wg.Wait()
	s := rec.result(window)
	slices.Sort(s.latencies)
	return s
}

// delivered counts the texts from sender that the phones decrypted.
func delivered(ctx context.Context, sim *wasim.Server, phones []string, sender string) (int, error) {
	// Give the last deliveries a moment: the ack precedes the phone's decryption.
	_ = sleep(ctx, 500*time.Millisecond)
	n := 0
	for _, p := range phones {
		msgs, _, err := sim.Inbox(p)
		if err != nil {
			return 0, err
		}
		for _, m := range msgs {
			if m.Sender.User == sender && m.Type == "text" {
				n++
			}
		}
	}
	return n, nil
}

// sendGoalRatio is the goal: the gateway at 80 % of bare whatsmeow or better.
const sendGoalRatio = 0.8

func sendResult(c int, window time.Duration, gw, base loadStats, gwDelivered, baseDelivered int) result {
	r := ratio(gw.rps(), base.rps())
	res := result{
		title:   fmt.Sprintf("send: texts to %d phones, %d clients in a closed loop for %s, send interval 0", sendPhones, c, window),
		columns: []string{"send", "gateway", "bare whatsmeow", "gateway/bare"},
	}
	res.row("messages per second", fmt.Sprintf("%.1f", gw.rps()), fmt.Sprintf("%.1f", base.rps()), times(r))
	res.row("p50", msec(gw.percentileMS(50)), msec(base.percentileMS(50)), "")
	res.row("p99", msec(gw.percentileMS(99)), msec(base.percentileMS(99)), "")
	res.row("errors", fmt.Sprint(gw.errors), fmt.Sprint(base.errors), "")
	res.row("decrypted by the phones (whole run)", fmt.Sprint(gwDelivered), fmt.Sprint(baseDelivered), "")
	res.note("the gateway is timed per POST /api/message/text request as its client sees it (instance token); the bare client per SendMessage call")
	res.note("the inbox ring of a simulated phone keeps its latest messages only, so the decrypted count is a floor on long runs")
	res.check(fmt.Sprintf("ratio >= %.1f", sendGoalRatio), r >= sendGoalRatio, fmt.Sprintf("%.2f", r))
	res.fig("scenario", "send")
	res.fig("clients", c)
	res.fig("phones", sendPhones)
	res.fig("seconds", window.Seconds())
	res.fig("messages_per_second", round(gw.rps(), 1))
	res.fig("baseline_messages_per_second", round(base.rps(), 1))
	res.fig("ratio", round(r, 3))
	res.fig("p99_ms", round(gw.percentileMS(99), 2))
	res.fig("baseline_p99_ms", round(base.percentileMS(99), 2))
	res.fig("errors", gw.errors)
	res.fig("rate_limits_lifted", true)
	return res
}

// pairedBareClient opens a whatsmeow store in the working directory and pairs one bare client
// with the simulator; the func disconnects it and closes the store.
func (e *benchEnv) pairedBareClient(ctx context.Context, file string) (*whatsmeow.Client, func(), error) {
	st, container, err := openBareStore(ctx, e.path(file))
	if err != nil {
		return nil, nil, err
	}
	cli, err := pairBare(ctx, container, e.sim.HTTPClient(), func(ctx context.Context, qr string) error {
		_, err := e.sim.ScanQR(ctx, qr, "")
		return err
	})
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return cli, func() { cli.Disconnect(); st.Close() }, nil
}
