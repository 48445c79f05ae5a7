package e2e

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// clusterNode is one `switchboard serve` child in cluster mode: PostgreSQL, Redis, a standalone
// simulator, and a node id kept across restarts.
type clusterNode struct {
	*gateway // call, must and createAccount against this node
	id       string
	dsn      string
	env      []string
}

// clusterEnv is what every node of one test cluster shares.
type clusterEnv struct {
	dsn, redisURL, simURL, secret string
	lease                         time.Duration
	extra                         []string
}

// clusterDeps returns the PostgreSQL DSN (a fresh schema) and the Redis URL of the test
// environment; without them the cluster tests cannot run at all and skip saying so.
func clusterDeps(t *testing.T) (redisURL string) {
	t.Helper()
	if os.Getenv("SWITCHBOARD_TEST_POSTGRES") == "" {
		t.Skip("SWITCHBOARD_TEST_POSTGRES is not set: cluster mode runs on PostgreSQL only")
	}
	redisURL = os.Getenv("SWITCHBOARD_TEST_REDIS")
	if redisURL == "" {
		t.Skip("SWITCHBOARD_TEST_REDIS is not set (e.g. redis://127.0.0.1:6379/0): cluster mode needs Redis")
	}
	return redisURL
}

func randomSecret(t *testing.T) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func newClusterNode(t *testing.T, id string, ce clusterEnv) *clusterNode {
	t.Helper()
	g := newGateway(t, ce.simURL)
	g.dbPath = "" // unused: the node runs on ce.dsn
	n := &clusterNode{gateway: g, id: id, dsn: ce.dsn}
	n.env = append([]string{
		"SWITCHBOARD_DB=" + ce.dsn,
		"SWITCHBOARD_REDIS_URL=" + ce.redisURL,
		"SWITCHBOARD_CLUSTER_SECRET=" + ce.secret,
		"SWITCHBOARD_CLUSTER_ADDR=http://" + g.addr,
		"SWITCHBOARD_NODE_ID=" + id,
		"SWITCHBOARD_CLUSTER_LEASE=" + ce.lease.String(),
		"SWITCHBOARD_WASIM_TOKEN=" + wasimtest.ControlToken,
		// Boot polls /health from one address on every node; the public budget is shared.
		"SWITCHBOARD_RATE_LIMIT_PUBLIC=100000",
	}, ce.extra...)
	return n
}

// start runs the node and waits until /health answers.
func (n *clusterNode) start() {
	n.t.Helper()
	if n.cmd != nil {
		n.t.Fatal("node already running")
	}
	fmt.Fprintf(n.logs, "----- %s serve (start) at %s\n", n.id, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(n.bin, "serve", "--addr", n.addr, "--sandbox-url", n.simURL)
	cmd.Env = append(append(os.Environ(), n.gateway.env...), n.env...)
	cmd.Stdout, cmd.Stderr = n.logs, n.logs
	if err := cmd.Start(); err != nil {
		n.t.Fatalf("start %s: %v", n.id, err)
	}
	n.cmd, n.exited = cmd, make(chan struct{})
	go func(exited chan struct{}) { _ = cmd.Wait(); close(exited) }(n.exited)
	deadline := time.Now().Add(childTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-n.exited:
			n.cmd = nil
			n.t.Fatalf("%s exited during boot:\n%s", n.id, tail(n.logs.String(), 40))
		default:
		}
		if resp, err := n.client.Get(n.base() + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	n.t.Fatalf("%s never became healthy", n.id)
}

// createClusterAccount runs `switchboard account create` against the cluster's database.
func createClusterAccount(t *testing.T, bin, dsn, name string) string {
	t.Helper()
	cmd := exec.Command(bin, "account", "create", "--name", name, "--db", dsn)
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("account create: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("account create: %v", err)
	}
	var printed struct{ Token string }
	if err := json.Unmarshal(out, &printed); err != nil || printed.Token == "" {
		t.Fatalf("account create printed %q", out)
	}
	return printed.Token
}

// leaseRow is one row of instance_leases, read by the test as ground truth.
type leaseRow struct {
	node    string
	epoch   int64
	expired bool
}

func leasesByName(t *testing.T, db *sql.DB) map[string]leaseRow {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, `SELECT i.name, l.node_id, l.epoch, l.expires_at <= now()
		FROM instance_leases l JOIN instances i ON i.id = l.instance_id`)
	if err != nil {
		t.Fatalf("reading leases: %v", err)
	}
	defer rows.Close()
	out := make(map[string]leaseRow)
	for rows.Next() {
		var name string
		var l leaseRow
		if err := rows.Scan(&name, &l.node, &l.epoch, &l.expired); err != nil {
			t.Fatal(err)
		}
		out[name] = l
	}
	return out
}

// sigkill kills the node the way a crash does, and waits until it is gone.
func (n *clusterNode) sigkill() {
	n.t.Helper()
	if err := n.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		n.t.Fatalf("SIGKILL %s: %v", n.id, err)
	}
	<-n.exited
	fmt.Fprintf(n.logs, "----- %s SIGKILL at %s\n", n.id, time.Now().Format(time.RFC3339Nano))
	n.cmd = nil
}

// signal sends sig (SIGSTOP, SIGCONT) to the running node.
func (n *clusterNode) signal(sig syscall.Signal) {
	n.t.Helper()
	if err := n.cmd.Process.Signal(sig); err != nil {
		n.t.Fatalf("%v to %s: %v", sig, n.id, err)
	}
	fmt.Fprintf(n.logs, "----- %s %v at %s\n", n.id, sig, time.Now().Format(time.RFC3339Nano))
}
