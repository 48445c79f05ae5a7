package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/switchboard/switchboard/wasim"
)

// The baseline child is this binary started with -baseline-child MODE: a bare program whose
// memory or timing is compared with the gateway's. It talks to the parent in lines: it writes
// "ready", "qr CODE", "connected N [MAX]" or "listening ADDR" on stdout, reads "go N PARALLEL"
// on stdin, and ends when stdin closes.

func runBaselineChild(ctx context.Context, opts options) error {
	switch opts.child {
	case "memory":
		return childMemory(ctx, opts)
	case "reconnect":
		return childReconnect(ctx, opts)
	case "http":
		return childHTTP(opts)
	default:
		return fmt.Errorf("-baseline-child %q: want memory, reconnect or http", opts.child)
	}
}

// childSay writes one protocol line; the QR codes of parallel pairings share stdout.
var childOut sync.Mutex

func childSay(format string, args ...any) {
	childOut.Lock()
	defer childOut.Unlock()
	fmt.Fprintf(os.Stdout, format+"\n", args...)
}

// childSimClient trusts the simulator at rawURL and returns the transport to it.
func childSimClient(ctx context.Context, rawURL string) (*http.Client, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("-child-sim %q: want http://HOST:PORT", rawURL)
	}
	root, err := wasim.FetchRootKey(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	wasim.InstallTrustRoot(root)
	return wasim.HTTPClientFor(u.Host), nil
}

// childMemory opens the store, says "ready" (the parent samples the idle footprint), pairs the
// number of clients the parent asks for, printing each QR code for the parent to scan, says
// "connected N", then idles until stdin closes.
func childMemory(ctx context.Context, opts options) error {
	h, err := childSimClient(ctx, opts.childSim)
	if err != nil {
		return err
	}
	st, container, err := openBareStore(ctx, opts.childDB)
	if err != nil {
		return err
	}
	defer st.Close()
	in := bufio.NewReader(os.Stdin)
	childSay("ready")
	line, err := in.ReadString('\n')
	if err != nil {
		return fmt.Errorf("waiting for go: %w", err)
	}
	var n, parallel int
	if _, err := fmt.Sscanf(line, "go %d %d", &n, &parallel); err != nil || n < 1 || parallel < 1 {
		return fmt.Errorf("unexpected command %q", strings.TrimSpace(line))
	}
	// The parent scans the printed code with its simulator; pairBare then sees the login.
	printQR := func(_ context.Context, qr string) error {
		childSay("qr %s", qr)
		return nil
	}
	clients, err := pairBareManyWith(ctx, container, st.GenerateWhatsmeowPreKeys, h, n, parallel, printQR)
	if err != nil {
		return err
	}
	defer disconnectAll(clients)
	childSay("connected %d", len(clients))
	_, _ = io.Copy(io.Discard, in)
	return nil
}

// childReconnect connects every device saved in the store, at most -child-cap at once, says
// "connected N MAX", then idles until stdin closes.
func childReconnect(ctx context.Context, opts options) error {
	h, err := childSimClient(ctx, opts.childSim)
	if err != nil {
		return err
	}
	st, container, err := openBareStore(ctx, opts.childDB)
	if err != nil {
		return err
	}
	defer st.Close()
	clients, most, err := reconnectSaved(ctx, container, h, max(opts.childCap, 1))
	if err != nil {
		return err
	}
	defer disconnectAll(clients)
	childSay("connected %d %d", len(clients), most)
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

// childHTTP serves the JSON document of -child-body at every path with a bare net/http
// handler: decoded once, encoded again for each request, so the baseline does the JSON work a
// real handler does.
func childHTTP(opts options) error {
	raw, err := os.ReadFile(opts.childBody)
	if err != nil {
		return err
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(doc)
	})}
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		_ = srv.Close()
	}()
	childSay("listening %s", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// parseConnected reads "connected N [MAX]".
func parseConnected(line string) (n, most int, err error) {
	f := strings.Fields(line)
	if len(f) < 2 || f[0] != "connected" {
		return 0, 0, fmt.Errorf("unexpected line %q", line)
	}
	if n, err = strconv.Atoi(f[1]); err != nil {
		return 0, 0, fmt.Errorf("unexpected line %q", line)
	}
	if len(f) > 2 {
		if most, err = strconv.Atoi(f[2]); err != nil {
			return 0, 0, fmt.Errorf("unexpected line %q", line)
		}
	}
	return n, most, nil
}
