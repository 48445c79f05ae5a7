package httpapi

import (
	"context"
	"net/http"
	"time"
)

// healthResponse is /health's own shape (RyzeAPI's health answer is not an envelope).
type healthResponse struct {
	Status  string            `json:"status"`
	Service string            `json:"service"`
	Version string            `json:"version,omitempty"`
	Time    time.Time         `json:"time"`
	Checks  map[string]string `json:"checks"`
}

// healthPingTimeout keeps a stuck database from stalling load-balancer probes.
const healthPingTimeout = 2 * time.Second

// handleHealth needs no token and is not rate limited. It answers 503 when the database does not
// answer, so a load balancer takes the node out.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	resp := healthResponse{Status: "ok", Service: "Switchboard", Version: s.cfg.Version, Time: s.now().UTC(), Checks: map[string]string{}}
	status := http.StatusOK
	if s.cfg.Ping != nil {
		ctx, cancel := context.WithTimeout(r.Context(), healthPingTimeout)
		defer cancel()
		if err := s.cfg.Ping(ctx); err != nil {
			s.requestLogger(r).Warn("health check failed", "check", "db", "err", err)
			resp.Status, resp.Checks["db"], status = "error", "error", http.StatusServiceUnavailable
		} else {
			resp.Checks["db"] = "ok"
		}
	}
	writeJSON(w, status, resp)
	return nil
}
