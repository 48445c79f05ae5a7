package app

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// newMetricsRegistry is the process's one registry: the caller's when given, else a new one
// (never Prometheus's global registry, so two gateways in one test binary do not collide). The
// Go runtime and process collectors join it here; each package registers its own collectors
// beside what they count, through the Registerer it is given.
func newMetricsRegistry(reg *prometheus.Registry) *prometheus.Registry {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Metrics is where further collectors register (send queue, webhooks, outbox): they appear on
// /metrics with the rest. Names follow switchboard_<subject>_<unit>[_total]; no label may carry a
// token, a phone number, a JID or message text.
func (a *App) Metrics() prometheus.Registerer { return a.metrics }

// MetricsHandler serves the registry in Prometheus's text format (or OpenMetrics when asked).
// `serve` mounts it at /metrics on the listener of SWITCHBOARD_METRICS_ADDR only.
func (a *App) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(a.metrics, promhttp.HandlerOpts{
		ErrorLog:          slogErrorLog{a},
		EnableOpenMetrics: true,
	})
}

// slogErrorLog passes promhttp's collection errors to the app's logger.
type slogErrorLog struct{ a *App }

func (l slogErrorLog) Println(v ...any) { l.a.log.Warn("metrics collection", "err", v) }
