package whatsapp

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard/switchboard"
)

// waMetrics count what the manager does with WhatsApp. Labels are operation kinds, domain error
// codes and connection states: fixed, small sets. No JID, phone number or group name is a label.
type waMetrics struct {
	roundTrips *prometheus.CounterVec   // kind
	errors     *prometheus.CounterVec   // kind, code
	duration   *prometheus.HistogramVec // kind
	links      *prometheus.CounterVec   // operation, result
}

// linkResultOK is the result label of a link or unlink WhatsApp accepted; failures carry their
// domain error code (forbidden, not_found, rate_limited, ...).
const linkResultOK = "ok"

func newWAMetrics(reg prometheus.Registerer, m *Manager) *waMetrics {
	if reg == nil {
		reg = prometheus.NewRegistry() // counted, never exposed
	}
	w := &waMetrics{
		roundTrips: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_whatsapp_round_trips_total",
			Help: "Group and community requests sent to WhatsApp, by kind (the operation).",
		}, []string{"kind"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_whatsapp_round_trip_errors_total",
			Help: "Group and community requests to WhatsApp that failed, by kind and domain error code.",
		}, []string{"kind", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "switchboard_whatsapp_round_trip_duration_seconds",
			Help:    "Time WhatsApp took to answer a group or community request, by kind.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"kind"}),
		links: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "switchboard_community_link_results_total",
			Help: "Community link and unlink writes, by operation (link, unlink) and result (ok or the domain error code).",
		}, []string{"operation", "result"}),
	}
	reg.MustRegister(w.roundTrips, w.errors, w.duration, w.links, &instanceStates{m: m})
	return w
}

// observe records one round trip of kind that took since start and ended with err.
func (w *waMetrics) observe(kind string, start time.Time, err error) {
	w.roundTrips.WithLabelValues(kind).Inc()
	w.duration.WithLabelValues(kind).Observe(time.Since(start).Seconds())
	if err != nil {
		w.errors.WithLabelValues(kind, string(switchboard.ErrorCodeOf(err))).Inc()
	}
}

func (w *waMetrics) linkResult(operation string, err error) {
	result := linkResultOK
	if err != nil {
		result = string(switchboard.ErrorCodeOf(err))
	}
	w.links.WithLabelValues(operation, result).Inc()
}

// instanceStates reports, at each scrape, how many of the instances this process holds a session
// for are in each connection state. Instances never connected since the process started have no
// session and are not counted.
type instanceStates struct{ m *Manager }

var instancesDesc = prometheus.NewDesc("switchboard_instances",
	"Instances with a session in this process, by connection state.", []string{"state"}, nil)

func (c *instanceStates) Describe(ch chan<- *prometheus.Desc) { ch <- instancesDesc }

func (c *instanceStates) Collect(ch chan<- prometheus.Metric) {
	counts := c.m.stateCounts()
	for _, state := range []switchboard.InstanceState{switchboard.StateConnected, switchboard.StateConnecting,
		switchboard.StateDisconnected, switchboard.StateLoggedOut} {
		ch <- prometheus.MustNewConstMetric(instancesDesc, prometheus.GaugeValue, float64(counts[state]), string(state))
	}
}

// stateCounts counts the sessions by state.
func (m *Manager) stateCounts() map[switchboard.InstanceState]int {
	m.mu.Lock()
	all := make([]*session, 0, len(m.sessions))
	for _, s := range m.sessions {
		all = append(all, s)
	}
	m.mu.Unlock()
	counts := make(map[switchboard.InstanceState]int, 4)
	for _, s := range all {
		s.mu.Lock()
		counts[s.state]++
		s.mu.Unlock()
	}
	return counts
}
