package httpapi

import (
	"context"
	"net/http"

	"github.com/switchboard/switchboard"
)

// Origins says which browser origins may call the API (CORS, RyzeAPI §3.2: only origins the
// account authorised). *store.Store implements it.
type Origins interface {
	AccountAllowsOrigin(ctx context.Context, accountID int64, origin string) (bool, error)
	AnyAccountAllowsOrigin(ctx context.Context, origin string) (bool, error)
}

// How CORS finds the account. A preflight carries no token, so it cannot know whose request
// follows: it is answered for an origin that any account allows. The request itself is then
// answered with CORS headers only when the token's account allows the origin, so a browser page
// of one account's origin can never read the answers given to another account's token. Failures
// before the token is known (401, 429) carry the headers under the preflight's rule, so the page
// can read why it was refused. Other origins get no CORS headers at all, and the browser blocks
// the page from reading the answer. Credentials (cookies) are never allowed: tokens travel in
// headers.
const (
	corsAllowMethods = "GET, POST, PUT, DELETE"
	// corsAllowHeaders are RyzeAPI's three, plus the two optional request headers of this API.
	corsAllowHeaders  = "Content-Type, Authorization, token, Idempotency-Key, X-Request-Id"
	corsExposeHeaders = "X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, " +
		"RateLimit-Policy, RateLimit, Retry-After, Idempotent-Replayed, X-Switchboard-Sandbox"
	corsMaxAge = "600" // seconds a browser may cache a preflight answer
)

// isPreflight recognises a CORS preflight: OPTIONS with an Origin and the method to come.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" &&
		r.Header.Get("Access-Control-Request-Method") != ""
}

// preflight answers a CORS preflight with 204, with the CORS headers when some account allows
// the origin. It draws from the unauthenticated budget: it costs a database query.
func (s *Server) preflight(w http.ResponseWriter, r *http.Request) {
	if s.overPublicBudget(w, r) {
		return
	}
	h := w.Header()
	h.Add("Vary", "Origin")
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	if origin, ok := s.originAllowed(r, 0); ok {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Methods", corsAllowMethods)
		h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
		h.Set("Access-Control-Max-Age", corsMaxAge)
	}
	w.WriteHeader(http.StatusNoContent)
}

// setCORS adds the CORS headers of an actual request: for accountID's origins, or (accountID 0,
// before the token is known) for any account's.
func (s *Server) setCORS(w http.ResponseWriter, r *http.Request, accountID int64) {
	if r.Header.Get("Origin") == "" || s.cfg.Origins == nil {
		return
	}
	h := w.Header()
	h.Add("Vary", "Origin")
	if origin, ok := s.originAllowed(r, accountID); ok {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
	}
}

// originAllowed normalises the request's Origin and asks the store. The answer echoes the
// Origin exactly as the browser sent it, which is what the browser compares. A store failure
// denies (the browser blocks the answer; nothing else changes) and is logged.
func (s *Server) originAllowed(r *http.Request, accountID int64) (string, bool) {
	if s.cfg.Origins == nil {
		return "", false
	}
	raw := r.Header.Get("Origin")
	origin, err := switchboard.NormalizeOrigin(raw)
	if err != nil {
		return "", false
	}
	var ok bool
	if accountID == 0 {
		ok, err = s.cfg.Origins.AnyAccountAllowsOrigin(r.Context(), origin)
	} else {
		ok, err = s.cfg.Origins.AccountAllowsOrigin(r.Context(), accountID, origin)
	}
	if err != nil {
		s.requestLogger(r).Warn("checking a CORS origin", "err", err)
		return "", false
	}
	return raw, ok
}
