package httpapi

import (
	"context"
	"net/http"
	"testing"

	"github.com/switchboard/switchboard"
)

// elsewhere is an Ownership under which every instance runs on another node.
type elsewhere struct{}

func (elsewhere) Route(context.Context, *switchboard.Instance) (switchboard.Route, error) {
	return switchboard.Route{Address: "http://127.0.0.1:1"}, nil
}

// A request another node forwarded for an instance this node does not run (the sender's view of
// the owner was stale) is answered 503 with Retry-After: never served here, never forwarded again.
func TestForwardedRequestForAnInstanceRunElsewhere(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Ownership, c.ClusterSecret = elsewhere{}, "cluster-secret" })
	acc := e.account("acme", 0)
	e.instance(acc, "shop")
	res := e.do("GET", "/api/instance/connect/shop", acc, nil, headerClusterSecret, "cluster-secret")
	if res.Status != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Fatalf("forwarded request for an instance run elsewhere: %d %s (Retry-After %q), want 503 with Retry-After",
			res.Status, res.Raw, res.Header.Get("Retry-After"))
	}
	if len(e.sessions.Calls()) != 0 {
		t.Fatalf("the session manager was called: %v", e.sessions.Calls())
	}
}
