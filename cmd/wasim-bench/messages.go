package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/proto"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/switchboard/switchboard/wasim"
)

// mountMessageRoutes adds the messages mode's child routes: register a
// phone, count a phone's inbox, and have a phone send n texts to a user.
func mountMessageRoutes(mux *http.ServeMux, sim *wasim.Server) {
	mux.HandleFunc("POST /bench/phone", func(w http.ResponseWriter, r *http.Request) {
		jid, err := sim.RegisterPhone(r.URL.Query().Get("phone"), "")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, jid.String())
	})
	mux.HandleFunc("GET /bench/inbox", func(w http.ResponseWriter, r *http.Request) {
		msgs, _, err := sim.Inbox(r.URL.Query().Get("phone"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, strconv.Itoa(len(msgs)))
	})
	mux.HandleFunc("POST /bench/phone-send", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		to, _ := types.ParseJID(q.Get("to"))
		n, _ := strconv.Atoi(q.Get("n"))
		for i := range n {
			if _, err := sim.PhoneSendText(r.Context(), q.Get("from"), to, "from phone "+strconv.Itoa(i)); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
	})
}

// runMessages pairs n clients, gives each a simulated phone to talk to, has
// every client send m texts to its phone (each decrypted by the phone's
// Signal stack before the simulator acks it, so SendMessage's round trip
// bounds send → decrypt), then every phone send m texts back (encrypted by
// the phone, decrypted by the client).
func runMessages(n, m, parallel int) error {
	base, httpClient, stop, err := startChild()
	if err != nil {
		return err
	}
	defer stop()
	dir, err := os.MkdirTemp("", "wasim-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	container, err := openClientStore(ctx, dir)
	if err != nil {
		return err
	}
	defer container.Close()

	clients := make([]*whatsmeow.Client, n)
	received := make([]atomic.Int64, n)
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	var firstErr error
	var mu sync.Mutex
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			cli, _, err := pairOne(ctx, container, httpClient, base)
			if err == nil {
				cli.AddEventHandler(func(evt any) {
					if e, ok := evt.(*events.Message); ok && e.Message.GetConversation() != "" {
						received[i].Add(1)
					}
				})
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			clients[i] = cli
		}()
	}
	wg.Wait()
	defer func() {
		for _, c := range clients {
			if c != nil {
				c.Disconnect()
			}
		}
	}()
	if firstErr != nil {
		return firstErr
	}
	// Let the phones' post-link bootstrap (key share, app state, history) settle.
	time.Sleep(2 * time.Second)
	before, err := childMem(base)
	if err != nil {
		return err
	}
	phones := make([]types.JID, n)
	for i := range n {
		phone := fmt.Sprintf("1666%07d", i)
		resp, err := http.Post(base+"/bench/phone?phone="+phone, "text/plain", nil)
		if err != nil {
			return err
		}
		resp.Body.Close()
		phones[i] = types.NewJID(phone, types.DefaultUserServer)
	}

	// One message each way sets up every pair's sessions (pkmsg, then msg); the phones are then
	// idle with live sessions and one inbox entry each: that is the per-phone memory goal.
	for i := range n {
		if _, err := clients[i].SendMessage(ctx, phones[i], &waE2E.Message{Conversation: proto.String("warm up")}); err != nil {
			return err
		}
		q := url.Values{"from": {phones[i].User}, "to": {clients[i].Store.ID.ToNonAD().String()}, "n": {"1"}}
		resp, err := http.Post(base+"/bench/phone-send?"+q.Encode(), "text/plain", nil)
		if err != nil {
			return err
		}
		resp.Body.Close()
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(5 * time.Millisecond) {
		var got int64
		for i := range n {
			got += received[i].Load()
		}
		if got >= int64(n) || time.Now().After(deadline) {
			break
		}
	}
	idle, err := childMem(base)
	if err != nil {
		return err
	}
	for i := range n {
		received[i].Store(0)
	}

	// Client → phone.
	lat := make([][]time.Duration, n)
	cpuBench, cpuSim := cpuTime(), idle.CPU
	if path := os.Getenv("WASIM_BENCH_PROFILE"); path != "" {
		go saveProfile(base, path)
	}
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range m {
				t0 := time.Now()
				_, err := clients[i].SendMessage(ctx, phones[i], &waE2E.Message{Conversation: proto.String("msg " + strconv.Itoa(j))})
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	toPhones := time.Since(start)
	if firstErr != nil {
		return firstErr
	}
	decrypted := 0
	for i := range n {
		resp, err := http.Get(base + "/bench/inbox?phone=" + phones[i].User)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		c, _ := strconv.Atoi(string(body))
		decrypted += c
	}
	after, err := childMem(base)
	if err != nil {
		return err
	}
	toPhonesSimCPU := after.CPU - cpuSim
	toPhonesCPU := cpuTime() - cpuBench + toPhonesSimCPU
	cpuBench, cpuSim = cpuTime(), after.CPU

	// Phone → client.
	start = time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := url.Values{"from": {phones[i].User}, "to": {clients[i].Store.ID.ToNonAD().String()}, "n": {strconv.Itoa(m)}}
			resp, err := http.Post(base+"/bench/phone-send?"+q.Encode(), "text/plain", nil)
			if err == nil {
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var got int64
		for i := range n {
			got += received[i].Load()
		}
		if got >= int64(n*m) || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	toClients := time.Since(start)
	end, err := childMem(base)
	if err != nil {
		return err
	}
	toClientsSimCPU := end.CPU - cpuSim
	toClientsCPU := cpuTime() - cpuBench + toClientsSimCPU
	var got int64
	for i := range n {
		got += received[i].Load()
	}

	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	p50, p99 := all[len(all)/2], all[len(all)*99/100]
	total := n * m
	perPhone := float64(int64(after.HeapInuse)-int64(before.HeapInuse)) / float64(n)
	idlePerPhone := float64(int64(idle.HeapInuse)-int64(before.HeapInuse)) / float64(n)
	// Both processes' CPU for the phase: how many messages one core carries when it is not
	// shared (a 2-core machine has twice that).
	perCore := func(cpu time.Duration) float64 { return float64(total) / cpu.Seconds() }
	fmt.Printf("client → phone: %d messages in %s = %.0f msg/s relayed and decrypted by phones (%d decrypted); send → ack (decrypt included) p50 %s, p99 %s\n",
		total, toPhones.Round(time.Millisecond), float64(total)/toPhones.Seconds(), decrypted, p50.Round(time.Microsecond), p99.Round(time.Microsecond))
	fmt.Printf("phone → client: %d messages in %s = %.0f msg/s encrypted by phones and decrypted by clients (%d received)\n",
		total, toClients.Round(time.Millisecond), float64(total)/toClients.Seconds(), got)
	fmt.Printf("CPU (clients + simulator): client → phone %s = %.0f msg per CPU-second; phone → client %s = %.0f msg per CPU-second\n",
		toPhonesCPU.Round(time.Millisecond), perCore(toPhonesCPU), toClientsCPU.Round(time.Millisecond), perCore(toClientsCPU))
	fmt.Printf("CPU of the simulator alone (relay, phones' Signal): client → phone %s = %.0f msg per CPU-second; phone → client %s = %.0f msg per CPU-second\n",
		toPhonesSimCPU.Round(time.Millisecond), perCore(toPhonesSimCPU), toClientsSimCPU.Round(time.Millisecond), perCore(toClientsSimCPU))
	fmt.Printf("simulator heap per idle phone with live sessions (1 inbox entry): %s; with %d inbox entries: %s\n", kib(idlePerPhone), m+1, kib(perPhone))
	summary, _ := json.Marshal(map[string]any{
		"pairs": n, "messagesPerPair": m,
		"toPhonesPerSecond": float64(total) / toPhones.Seconds(), "decrypted": decrypted,
		"sendToAckP50Ms": ms(p50), "sendToAckP99Ms": ms(p99),
		"toClientsPerSecond": float64(total) / toClients.Seconds(), "receivedByClients": got,
		"heapBytesPerPhone": int64(perPhone), "heapBytesPerIdlePhone": int64(idlePerPhone),
		"toPhonesMsgPerCPUSecond": perCore(toPhonesCPU), "toClientsMsgPerCPUSecond": perCore(toClientsCPU),
		"toPhonesSimMsgPerCPUSecond": perCore(toPhonesSimCPU), "toClientsSimMsgPerCPUSecond": perCore(toClientsSimCPU),
	})
	fmt.Println(string(summary))
	return nil
}

// saveProfile records the simulator's CPU for 15 s of the client → phone phase into path.
func saveProfile(base, path string) {
	resp, err := http.Get(base + "/debug/pprof/profile?seconds=15")
	if err != nil {
		return
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	_, _ = io.Copy(f, resp.Body)
}
