package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestAccountUpdateAllowedOrigins runs the command line as users do: a server, an account, then
// `account update --allowed-origin` twice on the same database while the server runs. A
// preflight from an allowed origin is answered with CORS headers at once, another origin gets
// none, and --clear-allowed-origins withdraws them.
func TestAccountUpdateAllowedOrigins(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "sb.db")
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() {
		served <- run(ctx, []string{"serve", "--addr", addr, "--db", dsn, "--sandbox"}, &bytes.Buffer{}, &lockedWriter{w: &bytes.Buffer{}})
	}()
	defer func() { cancel(); <-served }()
	waitHealthy(t, "http://"+addr)

	cli := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append(args, "--db", dsn), &out, &errOut)
		return out.String(), err
	}
	if _, err := cli("account", "create", "--name", "shop"); err != nil {
		t.Fatal(err)
	}
	out, err := cli("account", "update", "--name", "shop", "--json",
		"--allowed-origin", "https://App.Example.com", "--allowed-origin", "http://localhost:5173")
	if err != nil {
		t.Fatalf("account update: %v", err)
	}
	var printed struct {
		Name           string   `json:"name"`
		AllowedOrigins []string `json:"allowedOrigins"`
	}
	if err := json.Unmarshal([]byte(out), &printed); err != nil || printed.Name != "shop" ||
		!slices.Equal(printed.AllowedOrigins, []string{"http://localhost:5173", "https://app.example.com"}) {
		t.Fatalf("account update printed %q", out)
	}

	preflight := func(origin string) string {
		t.Helper()
		req, _ := http.NewRequest("OPTIONS", "http://"+addr+"/api/instance/list", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "GET")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			t.Fatalf("preflight status %d", resp.StatusCode)
		}
		return resp.Header.Get("Access-Control-Allow-Origin")
	}
	if got := preflight("https://app.example.com"); got != "https://app.example.com" {
		t.Fatalf("allowed origin: Access-Control-Allow-Origin %q", got)
	}
	if got := preflight("https://evil.example"); got != "" {
		t.Fatalf("other origin: Access-Control-Allow-Origin %q", got)
	}
	if _, err := cli("account", "update", "--name", "shop", "--clear-allowed-origins"); err != nil {
		t.Fatal(err)
	}
	if got := preflight("https://app.example.com"); got != "" {
		t.Fatalf("after clearing: Access-Control-Allow-Origin %q", got)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"account", "update", "--name", "nobody", "--allowed-origin", "https://a.example"}, `no account named "nobody"`},
		{[]string{"account", "update", "--name", "shop", "--allowed-origin", "https://a.example/path"}, "origin must be"},
		{[]string{"account", "update", "--name", "shop"}, "nothing to change"},
		{[]string{"account", "update", "--allowed-origin", "https://a.example"}, "--name is required"},
	} {
		if _, err := cli(c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one containing %q", c.args, err, c.want)
		}
	}
}
