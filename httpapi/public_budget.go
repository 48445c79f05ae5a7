package httpapi

import (
	"net/http"
	"strconv"

	"github.com/switchboard/switchboard"
)

// DefaultPublicRateLimit is how many unauthenticated requests (/health, /openapi.json, CORS
// preflights, and requests that match no route) one client address may make per minute. A load
// balancer probing every second uses 60.
const DefaultPublicRateLimit = 600

// overPublicBudget counts one unauthenticated request against the client address and, when the
// address is over its budget, answers 429 and returns true. Without it these answers cost nothing
// to ask for and each writes an access line, so a flood of them fills the disk.
func (s *Server) overPublicBudget(w http.ResponseWriter, r *http.Request) bool {
	d := s.limits.Take(r.Context(), switchboard.BucketPublic, s.clientIP(r), s.cfg.PublicRateLimit)
	if d.Allowed {
		return false
	}
	s.metrics.refused(bucketPublic)
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter(d, s.now())))
	s.renderError(w, r, errRateLimited)
	return true
}

// unauthenticated adapts a public route: it draws from the address's public budget, then runs.
func (s *Server) unauthenticated(h handlerFunc) http.Handler {
	inner := s.public(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.overPublicBudget(w, r) {
			return
		}
		inner.ServeHTTP(w, r)
	})
}
