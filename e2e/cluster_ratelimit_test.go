package e2e

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/switchboard/switchboard/store/storetest"
	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// TestClusterSharedRateLimit runs two `switchboard serve` nodes on one Redis with a budget of 10
// per token: requests alternating between them pass 10 times in all, not 10 per node, and
// X-RateLimit-Remaining counts down across both. A request forwarded to the instance's owner is
// counted once, by the node that received it: an instance token alternating between the owner
// and the other node also gets exactly its 10.
func TestClusterSharedRateLimit(t *testing.T) {
	ce := clusterEnv{redisURL: clusterDeps(t), dsn: storetest.PostgresDSN(t), secret: randomSecret(t), lease: clusterLease}
	sim := wasimtest.NewServer(t, wasim.Config{RootKey: wasimtest.SharedRoot()})
	ce.simURL = sim.URL()
	const limit = 10
	ce.extra = []string{"SWITCHBOARD_RATE_LIMIT=" + strconv.Itoa(limit)}
	a, b := newClusterNode(t, "rl-a", ce), newClusterNode(t, "rl-b", ce)
	a.start()
	b.start()
	nodes := []*clusterNode{a, b}
	acc := createClusterAccount(t, a.bin, ce.dsn, "budget")

	passed := 0
	for i := range 3 * limit {
		n := nodes[i%2]
		res := n.must("GET", "/api/instance/list", acc, nil)
		switch res.status {
		case http.StatusOK:
			passed++
			if got := res.header.Get("X-RateLimit-Remaining"); got != strconv.Itoa(limit-passed) {
				t.Errorf("request %d via %s: X-RateLimit-Remaining = %q, want %d", i, n.id, got, limit-passed)
			}
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("request %d via %s: %v", i, n.id, res)
		}
	}
	if passed != limit {
		t.Fatalf("%d of %d requests alternating between two nodes passed, want the shared %d", passed, 3*limit, limit)
	}

	// An instance owned by node a (it pairs where the QR was asked); b forwards to a.
	created := a.must("POST", "/api/instance/new", createClusterAccount(t, a.bin, ce.dsn, "owner"), map[string]any{"name": "fwd"})
	if created.status != http.StatusCreated {
		t.Fatalf("create: %v", created)
	}
	inst := pairedInstance{name: "fwd", token: created.str("instance.token")}
	requestQR(t, a.gateway, inst) // one request of the instance token's budget
	passed = 1
	for i := range 3 * limit {
		n := nodes[(i+1)%2] // b first: forwarded
		res := n.must("GET", "/api/instance/connect/fwd", inst.token, nil)
		switch res.status {
		case http.StatusOK:
			passed++
			if res.str("qrCode") == "" {
				t.Fatalf("connect via %s: the pending QR is missing: %v", n.id, res)
			}
		case http.StatusTooManyRequests:
		default:
			t.Fatalf("connect %d via %s: %v", i, n.id, res)
		}
	}
	if passed != limit {
		t.Fatalf("%d requests of an instance token passed across owner and forwarder, want %d (forwarded requests counted once)", passed, limit)
	}
}
