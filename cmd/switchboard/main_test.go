package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeAndAccountCreateShareTheDatabase runs the command line as users do: a server in
// sandbox mode, then `account create` on the same SQLite file while it runs. The new token
// must work at once, the output must be exactly {"name","token"}, and cancelling the context
// (what SIGTERM does) must stop the server cleanly.
func TestServeAndAccountCreateShareTheDatabase(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "sb.db")
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var serveErr bytes.Buffer
	served := make(chan error, 1)
	go func() {
		served <- run(ctx, []string{"serve", "--addr", addr, "--db", dsn, "--sandbox"}, &bytes.Buffer{}, &lockedWriter{w: &serveErr})
	}()
	waitHealthy(t, "http://"+addr)

	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"account", "create", "--name", "demo", "--db", dsn}, &out, &errOut); err != nil {
		t.Fatalf("account create: %v\n%s", err, errOut.String())
	}
	var created map[string]string
	if err := json.Unmarshal(out.Bytes(), &created); err != nil || len(created) != 2 || created["name"] != "demo" || !strings.HasPrefix(created["token"], "sba_") {
		t.Fatalf("account create printed %q", out.String())
	}
	if strings.Contains(errOut.String(), created["token"]) {
		t.Fatal("the token reached the log")
	}

	req, _ := http.NewRequest("GET", "http://"+addr+"/api/instance/list", nil)
	req.Header.Set("token", created["token"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Switchboard-Sandbox") != "true" {
		t.Fatalf("new token on the running server: status %d, sandbox header %q", resp.StatusCode, resp.Header.Get("X-Switchboard-Sandbox"))
	}

	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
		if strings.Contains(serveErr.String(), created["token"]) {
			t.Fatal("the server logged the token")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop after its context was cancelled")
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"nope"}, {"account"}, {"account", "create"}, {"serve", "--no-such-flag"}} {
		if err := run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
			t.Errorf("%q: want an error", args)
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("server never became healthy")
}
