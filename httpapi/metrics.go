package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// httpMetrics count the API's requests and refusals. Labels are route patterns, statuses and
// bucket names only: never a path (it holds instance names and phone numbers), a token or a body.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	refusals *prometheus.CounterVec
}

// Rate-limit buckets, the values of the bucket label of switchboard_rate_limit_refusals_total.
const (
	bucketGlobal       = "global"        // per-token requests per minute
	bucketCreate       = "create"        // per-token instance creations per minute
	bucketPublic       = "public"        // unauthenticated requests per client address
	bucketAuthFailures = "auth_failures" // failed authentications per client address
)

// routeUnmatched labels requests no route pattern matched (404 and 405), so a scan of random
// paths adds one series rather than one per path.
const (
	routeUnmatched = "unmatched"
	routePreflight = "OPTIONS (preflight)"
)

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	if reg == nil {
		reg = prometheus.NewRegistry() // counted, never exposed
	}
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_http_requests_total",
			Help: "HTTP API requests answered, by route pattern and status code.",
		}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "switchboard_http_request_duration_seconds",
			Help:    "Time from a request's arrival to the end of its answer, by route pattern.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"route"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_rate_limit_refusals_total",
			Help: "Requests refused with 429, by bucket: global and create (per token), public and auth_failures (per client address).",
		}, []string{"bucket"}),
	}
	reg.MustRegister(m.requests, m.duration, m.refusals)
	for _, b := range []string{bucketGlobal, bucketCreate, bucketPublic, bucketAuthFailures} {
		m.refusals.WithLabelValues(b) // present at 0, so rate() sees the first refusal
	}
	return m
}

// observe records one answered request.
func (m *httpMetrics) observe(route string, status int, elapsed time.Duration) {
	if route == "" {
		route = routeUnmatched
	}
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(elapsed.Seconds())
}

func (m *httpMetrics) refused(bucket string) { m.refusals.WithLabelValues(bucket).Inc() }

// routeOf is the pattern that serves r, or "" when none does.
func (s *Server) routeOf(r *http.Request) string {
	_, pattern := s.mux.Handler(r)
	return pattern
}
