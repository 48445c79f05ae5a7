package outbox

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// sinkMetrics count what the broker sinks did, by sink name (nats, amqp: a fixed, small set).
type sinkMetrics struct {
	published *prometheus.CounterVec
	failures  *prometheus.CounterVec
}

func newSinkMetrics(reg prometheus.Registerer) sinkMetrics {
	m := sinkMetrics{
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_event_sink_published_total",
			Help: "Events a broker sink published and the broker confirmed, by sink.",
		}, []string{"sink"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_event_sink_failures_total",
			Help: "Failed tries of a broker sink (publish, confirm or database), each retried with backoff, by sink.",
		}, []string{"sink"}),
	}
	if reg != nil {
		m.published = register(reg, m.published)
		m.failures = register(reg, m.failures)
	}
	return m
}

// register registers c, or returns the collector already registered under its name (a second
// outbox on the same registry counts into the same series).
func register(reg prometheus.Registerer, c *prometheus.CounterVec) *prometheus.CounterVec {
	if err := reg.Register(c); err != nil {
		var already prometheus.AlreadyRegisteredError
		if errors.As(err, &already) {
			if existing, ok := already.ExistingCollector.(*prometheus.CounterVec); ok {
				return existing
			}
		}
	}
	return c
}
