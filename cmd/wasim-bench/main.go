// Command wasim-bench pairs and connects N real whatsmeow clients to one
// wasim simulator and reports the time per pairing and the simulator's
// memory per connected device.
//
// The simulator runs in a child process (this same binary with -serve), so
// its memory is measured from its own runtime.MemStats, untouched by the
// clients' allocations in the parent. The last line of output is JSON.
//
//	go run ./cmd/wasim-bench -n 200
//	go run ./cmd/wasim-bench -mode messages -n 20 -m 200
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types/events"
	waLog "go.mau.fi/whatsmeow/util/log"

	"github.com/switchboard/switchboard/wasim"
)

func main() {
	n := flag.Int("n", 200, "number of clients to pair and keep connected")
	parallel := flag.Int("c", 4, "pairings in flight at once")
	serve := flag.Bool("serve", false, "internal: run the simulator child process")
	mode := flag.String("mode", "pairing", "pairing, or messages: n client/phone pairs exchange m texts each way")
	m := flag.Int("m", 200, "messages mode: texts per pair and direction")
	flag.Parse()
	if *serve {
		runChild()
		return
	}
	run := func() error { return runPairing(*n, *parallel) }
	if *mode == "messages" {
		run = func() error { return runMessages(*n, *m, *parallel) }
	}
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

// childInfo is the first line the child prints.
type childInfo struct {
	Addr    string   `json:"addr"`
	RootKey [32]byte `json:"rootKey"`
}

// memStats is what the child reports about its own heap.
type memStats struct {
	HeapInuse  uint64 `json:"heapInuse"`
	StackInuse uint64 `json:"stackInuse"`
	Goroutines int    `json:"goroutines"`
	Online     int    `json:"online"`
	// CPU is the simulator process's CPU time so far (user + system).
	CPU time.Duration `json:"cpu"`
}

// runChild serves the simulator plus two bench-only routes: /bench/scan
// (the phone scans a QR code) and /bench/mem (memory after a full GC).
func runChild() {
	sim, err := wasim.New(wasim.Config{TraceSize: -1})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", sim.Handler())
	mux.HandleFunc("POST /bench/scan", func(w http.ResponseWriter, r *http.Request) {
		qr, _ := io.ReadAll(r.Body)
		jid, err := sim.ScanQR(r.Context(), string(qr), "")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_, _ = io.WriteString(w, jid.String())
	})
	mux.HandleFunc("GET /bench/mem", func(w http.ResponseWriter, _ *http.Request) {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		online := 0
		for _, d := range sim.Snapshot().Devices {
			if d.Online {
				online++
			}
		}
		_ = json.NewEncoder(w).Encode(memStats{ms.HeapInuse, ms.StackInuse, runtime.NumGoroutine(), online, cpuTime()})
	})
	mountMessageRoutes(mux, sim)
	// The simulator's CPU profile, for finding what a scenario spends its time on.
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	srv := &http.Server{Handler: mux}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	info, _ := json.Marshal(childInfo{Addr: ln.Addr().String(), RootKey: sim.RootPublicKey()})
	fmt.Println(string(info))
	log.Fatal(srv.Serve(ln))
}

// startChild starts the simulator child process and trusts its root; stop kills it.
func startChild() (base string, httpClient *http.Client, stop func(), err error) {
	child := exec.Command(os.Args[0], "-serve")
	child.Stderr = os.Stderr
	out, err := child.StdoutPipe()
	if err != nil {
		return "", nil, nil, err
	}
	if err := child.Start(); err != nil {
		return "", nil, nil, err
	}
	stop = func() { _ = child.Process.Kill(); _ = child.Wait() }
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stop()
		return "", nil, nil, fmt.Errorf("child did not start: %w", err)
	}
	var info childInfo
	if err := json.Unmarshal([]byte(line), &info); err != nil {
		stop()
		return "", nil, nil, err
	}
	wasim.InstallTrustRoot(info.RootKey)
	return "http://" + info.Addr, wasim.HTTPClientFor(info.Addr), stop, nil
}

func runPairing(n, parallel int) error {
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

	before, err := childMem(base)
	if err != nil {
		return err
	}
	fmt.Printf("simulator baseline: heap %s, stack %s, %d goroutines\n", mib(before.HeapInuse), mib(before.StackInuse), before.Goroutines)

	var (
		mu        sync.Mutex
		durations []time.Duration
		clients   []*whatsmeow.Client
		firstErr  error
	)
	start := time.Now()
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			cli, d, err := pairOne(ctx, container, httpClient, base)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("client %d: %w", i, err)
				}
				return
			}
			durations = append(durations, d)
			clients = append(clients, cli)
		}()
	}
	wg.Wait()
	total := time.Since(start)
	defer func() {
		for _, c := range clients {
			c.Disconnect()
		}
	}()
	if firstErr != nil {
		return firstErr
	}

	after, err := childMem(base)
	if err != nil {
		return err
	}
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	var sum time.Duration
	for _, d := range durations {
		sum += d
	}
	mean := sum / time.Duration(len(durations))
	p50, p95 := durations[len(durations)/2], durations[len(durations)*95/100]
	heapPer := float64(int64(after.HeapInuse)-int64(before.HeapInuse)) / float64(n)
	stackPer := float64(int64(after.StackInuse)-int64(before.StackInuse)) / float64(n)
	fmt.Printf("paired %d clients in %s (%d in flight): mean %s, p50 %s, p95 %s per pairing (includes whatsmeow's 812-prekey generation)\n",
		n, total.Round(time.Millisecond), parallel, mean.Round(time.Millisecond), p50.Round(time.Millisecond), p95.Round(time.Millisecond))
	fmt.Printf("simulator with %d online devices: heap %s (+%s/device), stack %s (+%s/device), %d goroutines\n",
		after.Online, mib(after.HeapInuse), kib(heapPer), mib(after.StackInuse), kib(stackPer), after.Goroutines)
	summary, _ := json.Marshal(map[string]any{
		"clients":                 n,
		"online":                  after.Online,
		"parallel":                parallel,
		"totalSeconds":            total.Seconds(),
		"pairingMeanMs":           ms(mean),
		"pairingP50Ms":            ms(p50),
		"pairingP95Ms":            ms(p95),
		"serverHeapBytesPerDev":   int64(heapPer),
		"serverStackBytesPerDev":  int64(stackPer),
		"serverGoroutinesPerDev":  float64(after.Goroutines-before.Goroutines) / float64(n),
		"serverHeapInuseBytes":    after.HeapInuse,
		"serverHeapBaselineBytes": before.HeapInuse,
	})
	fmt.Println(string(summary))
	return nil
}

// pairOne connects a fresh client, has the simulated phone scan its first
// QR code and waits for events.Connected.
func pairOne(ctx context.Context, container *sqlstore.Container, h *http.Client, base string) (*whatsmeow.Client, time.Duration, error) {
	cli := whatsmeow.NewClient(container.NewDevice(), waLog.Noop)
	cli.SetPreLoginHTTPClient(h)
	cli.SetWebsocketHTTPClient(h)
	cli.SetMediaHTTPClient(h)
	qrs := make(chan string, 1)
	connected := make(chan struct{}, 1)
	cli.AddEventHandler(func(evt any) {
		switch e := evt.(type) {
		case *events.QR:
			select {
			case qrs <- e.Codes[0]:
			default:
			}
		case *events.Connected:
			select {
			case connected <- struct{}{}:
			default:
			}
		}
	})
	start := time.Now()
	if err := cli.Connect(); err != nil {
		return nil, 0, err
	}
	timeout := time.After(60 * time.Second)
	select {
	case qr := <-qrs:
		resp, err := http.Post(base+"/bench/scan", "text/plain", strings.NewReader(qr))
		if err != nil {
			return nil, 0, err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, 0, fmt.Errorf("scan: %s", body)
		}
	case <-timeout:
		return nil, 0, fmt.Errorf("no QR code")
	}
	select {
	case <-connected:
	case <-timeout:
		return nil, 0, fmt.Errorf("not connected after pairing")
	}
	return cli, time.Since(start), nil
}

func childMem(base string) (memStats, error) {
	var m memStats
	resp, err := http.Get(base + "/bench/mem")
	if err != nil {
		return m, err
	}
	defer resp.Body.Close()
	return m, json.NewDecoder(resp.Body).Decode(&m)
}

func mib(b uint64) string        { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
func kib(b float64) string       { return fmt.Sprintf("%.1f KiB", b/1024) }
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
