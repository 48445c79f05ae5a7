package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestOperatorCommandsBesideServe runs every operator command against the database of a running
// `switchboard serve --sandbox`, on SQLite and PostgreSQL: list, show, instance list, db migrate
// and version print tables and --json; delete refuses an account with instances, and --force
// deletes it with its instances, removes the paired instance's WhatsApp device from the store and
// makes the running server refuse the account's token.
func TestOperatorCommandsBesideServe(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		addr := freeAddr(t)
		base := "http://" + addr
		ctx, cancel := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() {
			served <- run(ctx, []string{"serve", "--addr", addr, "--db", dsn, "--sandbox"}, &bytes.Buffer{}, &lockedWriter{w: &bytes.Buffer{}})
		}()
		defer func() { cancel(); <-served }()
		waitHealthy(t, base)

		cli := func(args ...string) string {
			t.Helper()
			var out, errOut bytes.Buffer
			if err := run(context.Background(), append(args, "--db", dsn), &out, &errOut); err != nil {
				t.Fatalf("%q: %v\n%s", args, err, errOut.String())
			}
			return out.String()
		}
		acme := runJSON(t, "account", "create", "--name", "acme", "--db", dsn)["token"]
		runJSON(t, "account", "create", "--name", "empty", "--max-instances", "3", "--db", dsn)

		api := func(method, path, token, body string) map[string]any {
			t.Helper()
			req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
			req.Header.Set("token", token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			var v map[string]any
			_ = json.Unmarshal(raw, &v)
			v["_status"] = float64(resp.StatusCode)
			return v
		}
		api("POST", "/api/instance/new", acme, `{"name":"bot"}`)
		api("POST", "/api/instance/new", acme, `{"name":"spare"}`)
		qr, _ := api("GET", "/api/instance/connect/bot", acme, "")["qrCode"].(string)
		if qr == "" {
			t.Fatal("no QR code")
		}
		if res := api("POST", "/sandbox/scan", acme, `{"qrCode":`+quote(qr)+`}`); res["_status"] != float64(200) {
			t.Fatalf("scan: %v", res)
		}
		waitPaired(t, cli)

		var accounts []accountJSON
		decode(t, cli("account", "list", "--json"), &accounts)
		if len(accounts) != 2 || accounts[0].Name != "acme" || accounts[0].InstanceCount != 2 ||
			accounts[1].Name != "empty" || accounts[1].MaxInstances != 3 || accounts[1].InstanceCount != 0 {
			t.Fatalf("account list --json: %+v", accounts)
		}
		if table := cli("account", "list"); !strings.HasPrefix(table, "ID  NAME") || !strings.Contains(table, "acme") || !strings.Contains(table, "unlimited") {
			t.Fatalf("account list table:\n%s", table)
		}
		var shown accountJSON
		decode(t, cli("account", "show", "--name", "acme", "--json"), &shown)
		if shown.Name != "acme" || len(shown.Instances) != 2 || shown.Instances[0].Name != "bot" || shown.Instances[0].Session != sessionPaired ||
			shown.Instances[1].Session != sessionNone {
			t.Fatalf("account show --json: %+v", shown)
		}
		if table := cli("account", "show", "--name", "acme"); !strings.Contains(table, "SESSION") || !strings.Contains(table, "spare") {
			t.Fatalf("account show table:\n%s", table)
		}
		var instances []instanceJSON
		decode(t, cli("instance", "list", "--account", "empty", "--json"), &instances)
		if len(instances) != 0 {
			t.Fatalf("instance list --account empty: %+v", instances)
		}
		if table := cli("instance", "list"); strings.Count(table, "\n") != 3 || !strings.Contains(table, "paired") {
			t.Fatalf("instance list table:\n%s", table)
		}

		var migrations []struct {
			Version    int  `json:"version"`
			AppliedNow bool `json:"appliedNow"`
		}
		decode(t, cli("db", "migrate", "--json"), &migrations)
		if len(migrations) == 0 || migrations[len(migrations)-1].Version != len(migrations) {
			t.Fatalf("db migrate --json: %+v", migrations)
		}
		for _, m := range migrations {
			if m.AppliedNow {
				t.Fatalf("db migrate applied %d again beside a server that had applied it", m.Version)
			}
		}
		if table := cli("db", "migrate"); !strings.Contains(table, "already applied") {
			t.Fatalf("db migrate table:\n%s", table)
		}
		var ver map[string]string
		decode(t, runPlain(t, "version", "--json"), &ver)
		if ver["version"] != "dev" || !strings.HasPrefix(ver["go"], "go") {
			t.Fatalf("version --json: %v", ver)
		}

		var errOut bytes.Buffer
		err := run(context.Background(), []string{"account", "delete", "--name", "acme", "--db", dsn}, &bytes.Buffer{}, &errOut)
		if err == nil || !strings.Contains(err.Error(), `"acme" has 2 instance(s)`) {
			t.Fatalf("delete without --force: %v", err)
		}
		device := shown.Instances[0].DeviceJID
		var deleted map[string]any
		decode(t, cli("account", "delete", "--name", "acme", "--force", "--json"), &deleted)
		if deleted["instancesDeleted"] != float64(2) || deleted["devicesLoggedOut"] != float64(1) {
			t.Fatalf("delete --force: %v", deleted)
		}
		st := storetest.OpenDSN(t, dsn, store.WithTokenCacheTTL(0))
		var left int
		if err := st.DB().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM whatsmeow_device WHERE jid = $1`, device).Scan(&left); err != nil || left != 0 {
			t.Fatalf("device %s after delete --force: %d rows left (%v)", device, left, err)
		}
		if device == "" {
			t.Fatal("the paired instance showed no device")
		}
		// SQLite: the running server may answer from its token cache for its TTL (2 s).
		deadline := time.Now().Add(10 * time.Second)
		for api("GET", "/api/instance/list", acme, "")["_status"] != float64(401) {
			if time.Now().After(deadline) {
				t.Fatal("the running server still accepts the deleted account's token")
			}
			time.Sleep(50 * time.Millisecond)
		}
		if out := cli("account", "delete", "--name", "empty"); !strings.Contains(out, `deleted account "empty" with 0 instance(s)`) {
			t.Fatalf("delete of an empty account printed %q", out)
		}
	})
}

func waitPaired(t *testing.T, cli func(...string) string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var instances []instanceJSON
		decode(t, cli("instance", "list", "--account", "acme", "--json"), &instances)
		for _, inst := range instances {
			if inst.Name == "bot" && inst.Session == sessionPaired {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the instance never showed as paired in instance list")
}

func runPlain(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("%q: %v\n%s", args, err, errOut.String())
	}
	return out.String()
}

func decode(t *testing.T, raw string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		t.Fatalf("not JSON (%v): %q", err, raw)
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
