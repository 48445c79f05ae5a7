package httpapi

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// healthResponse is RyzeAPI's health shape (not an envelope), plus version.
type healthResponse struct {
	Status    string            `json:"status"` // ok, or degraded when a check fails
	Service   string            `json:"service"`
	Version   string            `json:"version,omitempty"`
	Uptime    string            `json:"uptime"` // whole seconds, as Go writes durations: 12h34m56s
	Timestamp string            `json:"timestamp"`
	Checks    map[string]string `json:"checks"` // "ok" or "fail: <reason>"
}

// healthPingTimeout keeps a stuck database from stalling load-balancer probes.
const healthPingTimeout = 2 * time.Second

// handleHealth needs no token and draws only from the unauthenticated budget. It answers 503
// degraded when the database does not answer, so a load balancer takes the node out.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	now := s.now()
	resp := healthResponse{
		Status:    "ok",
		Service:   "Switchboard",
		Version:   s.cfg.Version,
		Uptime:    now.Sub(s.started).Truncate(time.Second).String(),
		Timestamp: now.UTC().Format(time.RFC3339),
		Checks:    map[string]string{},
	}
	status := http.StatusOK
	if s.cfg.Ping != nil {
		ctx, cancel := context.WithTimeout(r.Context(), healthPingTimeout)
		defer cancel()
		if err := s.cfg.Ping(ctx); err != nil {
			s.requestLogger(r).Warn("health check failed", "check", "db", "err", err)
			resp.Status, resp.Checks["db"], status = "degraded", "fail: "+pingFailure(err), http.StatusServiceUnavailable
		} else {
			resp.Checks["db"] = "ok"
		}
	}
	writeJSON(w, status, resp)
	return nil
}

// pingFailure names why the database check failed without the driver's text, which can carry a
// host name or a DSN fragment: the full error goes to the log.
func pingFailure(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout after " + healthPingTimeout.String()
	case errors.Is(err, context.Canceled):
		return "canceled"
	default:
		return "database unreachable"
	}
}
