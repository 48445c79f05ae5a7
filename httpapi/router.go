package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/switchboard/switchboard"
)

// handlerFunc is a route handler: it writes a success itself and returns any failure for the
// one renderer.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// instanceHandlerFunc is a handler of an {instance} route, called with the resolved instance.
type instanceHandlerFunc func(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error

// routeOptions describe how a route authenticates and which buckets it draws from.
type routeOptions struct {
	scope   authScope
	creates bool // also counts against the instance-creation bucket
	// idempotent honours the Idempotency-Key header: a repeat of the same key and body replays
	// the stored answer without running the handler again.
	idempotent bool
	// sealedReplay marks an idempotent route whose answer holds a secret (a new token): the
	// stored answer is sealed at rest, and the header needs the server's key (idempotency_sealed.go).
	sealedReplay bool
	// async lets the caller pass ?async=true: the handler then runs as a persisted job and the
	// caller gets 202 with the job id at once (GET /api/job/get/{instance}?id=).
	async bool
}

// routes registers every route. Patterns are RyzeAPI's paths with Go's method+path syntax.
func (s *Server) routes() {
	either := routeOptions{scope: scopeAny}
	accountOnly := routeOptions{scope: scopeAccountOnly}

	s.handle("GET /health", s.unauthenticated(s.handleHealth))
	s.handle("GET /openapi.json", s.unauthenticated(s.handleOpenAPI))

	s.handle("POST /api/instance/new", s.authed(routeOptions{scope: scopeAccountOnly, creates: true, idempotent: true, sealedReplay: true}, s.handleInstanceCreate))
	s.handle("GET /api/instance/list", s.authed(either, s.handleInstanceList))
	s.handle("GET /api/instance/connect/{instance}", s.authedInstance(either, s.handleInstanceConnect))
	s.handle("POST /api/instance/reconnect/{instance}", s.authedInstance(either, s.handleInstanceReconnect))
	s.handle("DELETE /api/instance/logout/{instance}", s.authedInstance(either, s.handleInstanceLogout))
	s.handle("DELETE /api/instance/delete/{instance}", s.authedInstance(accountOnly, s.handleInstanceDelete))
	s.handle("POST /api/instance/rotateToken/{instance}", s.authedInstance(either, s.handleInstanceRotateToken))
	s.handle("GET /api/instance/getSettings/{instance}", s.authedInstance(either, s.handleSettingsGet))
	s.handle("POST /api/instance/settings/{instance}", s.authedInstance(either, s.handleSettingsUpdate))
	s.handle("GET /api/instance/getProxy/{instance}", s.authedInstance(either, s.handleProxyGet))
	s.handle("POST /api/instance/proxy/{instance}", s.authedInstance(either, s.handleProxyUpdate))
	s.handle("GET /api/instance/getS3/{instance}", s.authedInstance(either, s.handleS3Get))
	s.handle("POST /api/instance/s3/{instance}", s.authedInstance(either, s.handleS3Update))

	s.communityRoutes(either)
	s.groupRoutes(either)
	s.eventRoutes(either)
	s.messageRoutes(either)
	s.chatRoutes(either)
	s.profileRoutes(either)
	s.handle("GET /api/job/get/{instance}", s.authedInstance(either, s.handleJobGet))

	if s.cfg.Sandbox != nil {
		s.sandboxRoutes(accountOnly)
	}
}

// public adapts a handler to http.Handler, rendering its error; it neither authenticates nor
// limits (see unauthenticated and authed).
func (s *Server) public(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.renderError(w, r, err)
		}
	})
}

// authed adapts a handler that needs a token: authenticate, rate-limit, then run it with the
// principal in the context.
func (s *Server) authed(opts routeOptions, h handlerFunc) http.Handler {
	h = s.idempotentRoute(opts, h)
	return s.public(func(w http.ResponseWriter, r *http.Request) error {
		p, err := s.authenticate(r, opts.scope)
		var accountID int64 // 0 until the token is known: CORS then follows the preflight's rule
		if p != nil {
			accountID = p.accountID
		}
		s.setCORS(w, r, accountID)
		if err != nil {
			if throttled, ok := err.(*authThrottled); ok {
				w.Header().Set("Retry-After", strconv.Itoa(retryAfter(throttled.decision, s.now())))
			}
			return err
		}
		if st := stateFrom(r.Context()); st != nil {
			st.accountID = p.accountID
		}
		// A request another node forwarded was counted there; counting it again would halve
		// the budget.
		if !s.forwarded(r) {
			if err := s.rateLimit(r.Context(), w, p, opts.creates); err != nil {
				return err
			}
		}
		return h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

// authedInstance adapts a handler of an {instance} route: the instance is resolved within the
// caller's tenancy before the handler runs, and tagged on the request's log lines.
func (s *Server) authedInstance(opts routeOptions, h instanceHandlerFunc) http.Handler {
	return s.instanceRoute(opts, nil, h)
}

// instanceRoute is the one prologue of every /{instance} route: authenticate, run precheck (nil
// for none) before the instance is looked up, find the instance within the caller's tenancy,
// then apply Idempotency-Key and async (idempotency.go, jobs.go) once the instance is known, so
// authed must not apply the key a second time.
func (s *Server) instanceRoute(opts routeOptions, precheck func(*http.Request) error, h instanceHandlerFunc) http.Handler {
	h = s.idempotentInstanceRoute(opts, s.asyncRoute(opts, h))
	opts.idempotent = false
	return s.authed(opts, func(w http.ResponseWriter, r *http.Request) error {
		if precheck != nil {
			if err := precheck(r); err != nil {
				return err
			}
		}
		inst, err := s.instanceFor(r)
		if err != nil {
			return err
		}
		if st := stateFrom(r.Context()); st != nil {
			st.instance = inst.Name
		}
		if elsewhere, err := s.routeToOwner(w, r, inst); elsewhere || err != nil {
			return err
		}
		return h(w, r, inst)
	})
}

// dispatch routes the request. ServeMux answers unknown paths and wrong methods in plain text;
// those two cases are detected first (an empty pattern) and answered with JSON envelopes.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	st := stateFrom(r.Context())
	if isPreflight(r) {
		if st != nil {
			st.route = routePreflight
		}
		s.preflight(w, r)
		return
	}
	pattern := s.routeOf(r)
	if pattern == "" {
		s.unmatched(w, r)
		return
	}
	if st != nil {
		st.route = pattern
	}
	s.mux.ServeHTTP(w, r)
}

// unmatched asks the mux what it would have said (to learn the Allow header of a 405) and says
// it as JSON instead.
func (s *Server) unmatched(w http.ResponseWriter, r *http.Request) {
	if s.overPublicBudget(w, r) {
		return
	}
	h, _ := s.mux.Handler(r)
	probe := &headerProbe{header: http.Header{}}
	h.ServeHTTP(probe, r)
	if probe.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", probe.header.Get("Allow"))
		s.renderError(w, r, errMethodNotAllowed)
		return
	}
	s.renderError(w, r, errRouteNotFound)
}

// headerProbe is a ResponseWriter that keeps the status and headers and drops the body.
type headerProbe struct {
	header http.Header
	status int
}

func (p *headerProbe) Header() http.Header         { return p.header }
func (p *headerProbe) Write(b []byte) (int, error) { return len(b), nil }
func (p *headerProbe) WriteHeader(status int)      { p.status = status }
