package httpapi

import (
	"context"
	"crypto/subtle"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"time"

	"github.com/switchboard/switchboard"
)

// headerClusterSecret carries SWITCHBOARD_CLUSTER_SECRET on a request one node forwards to the
// instance's owner. The owner serves such a request itself (it never forwards again) and does
// not count it against the rate limits: the node that received it already did.
const headerClusterSecret = "X-Switchboard-Cluster-Secret"

// errNoOwner answers a request for an instance between two owners (a takeover under way), with
// Retry-After: safe to retry, and nothing was done.
var errNoOwner = switchboard.Errorf(switchboard.CodeUnavailable, "The instance is moving to another node; retry shortly")

// forwarded says whether r comes from another node of the cluster, proven by the shared secret.
func (s *Server) forwarded(r *http.Request) bool {
	got := r.Header.Get(headerClusterSecret)
	return s.cfg.ClusterSecret != "" && got != "" &&
		subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.ClusterSecret)) == 1
}

// routeToOwner serves r elsewhere when inst's session runs on another node, answering true when
// it did (forwarded, or 503 while no node owns it). Without a cluster it answers false: serve
// here. A request another node forwarded is served here only if this node owns the instance.
func (s *Server) routeToOwner(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) (bool, error) {
	if s.cfg.Ownership == nil {
		return false, nil
	}
	route, err := s.cfg.Ownership.Route(r.Context(), inst)
	if s.forwarded(r) {
		if err == nil && route.Local {
			return false, nil
		}
		// The sender's view of the owner is stale (a handover or a takeover under way, seen
		// there up to a second late): never forward twice, and never serve an instance whose
		// session runs elsewhere. Retryable, like any request between owners.
		w.Header().Set("Retry-After", "1")
		return true, errNoOwner
	}
	switch {
	case err != nil:
		// The database could not say: the same answer as a takeover, retryable.
		s.requestLogger(r).Warn("finding the instance's node failed", "err", err)
		route = switchboard.Route{RetryAfter: time.Second}
	case route.Local:
		return false, nil
	case route.Address != "":
		s.forward(w, r, inst, route.Address)
		return true, nil
	}
	secs := int((route.RetryAfter + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	return true, errNoOwner
}

// ownerCheckInterval is how often a forwarded request in flight checks that its target still
// owns the instance.
const ownerCheckInterval = time.Second

// forward proxies r to the owner at address. The answer's headers join those already set here
// (the rate-limit headers of this node's count); CORS is left to this node, so the owner does
// not see the Origin. An owner that stops answering (frozen: its socket accepts, nothing
// replies) loses its lease within a lease time; the request is then cut and answered like a
// takeover, instead of hanging until the client gives up.
func (s *Server) forward(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance, address string) {
	target, err := url.Parse(address)
	if err != nil {
		s.renderError(w, r, failed("Internal server error", err))
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go s.watchOwner(ctx, cancel, inst, address)
	r = r.WithContext(ctx)
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host
			pr.Out.Header.Del("Origin")
			pr.Out.Header.Set(headerClusterSecret, s.cfg.ClusterSecret)
			if st := stateFrom(pr.In.Context()); st != nil {
				pr.Out.Header.Set("X-Request-Id", st.id) // one id on both nodes' log lines
			}
		},
		ModifyResponse: func(resp *http.Response) error {
			for _, h := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "X-Request-Id", "X-Switchboard-Sandbox",
				headerRateLimitLimit, headerRateLimitRemaining, headerRateLimitReset, headerRateLimitPolicy, headerRateLimit} {
				resp.Header.Del(h)
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			// The owner died or froze mid-request: its lease will lapse and another node take
			// over, so this is the takeover answer, not a gateway error.
			s.requestLogger(r).Warn("forwarding to the instance's node failed", "node", address, "err", err)
			w.Header().Set("Retry-After", "1")
			s.renderError(w, r, errNoOwner)
		},
	}
	proxy.ServeHTTP(w, r)
}

// watchOwner cancels a forwarded request once address no longer owns inst.
func (s *Server) watchOwner(ctx context.Context, cancel context.CancelFunc, inst *switchboard.Instance, address string) {
	t := time.NewTicker(ownerCheckInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		route, err := s.cfg.Ownership.Route(ctx, inst)
		if err == nil && route.Address != address {
			cancel()
			return
		}
	}
}
