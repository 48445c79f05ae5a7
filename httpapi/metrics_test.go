package httpapi

import (
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestMetricsCountRoutesAndRefusals: each 429 is counted under the bucket that refused it, and
// requests are labelled by route pattern (never the path, which carries instance names), with
// unknown paths folded into one "unmatched" series.
func TestMetricsCountRoutesAndRefusals(t *testing.T) {
	reg := prometheus.NewRegistry()
	e := newEnv(t, func(c *Config) {
		c.Metrics = reg
		c.AuthFailureLimit, c.PublicRateLimit, c.RateLimit = 2, 3, 4
	})
	m := e.api.metrics
	acc := e.account("acme", 0)
	e.instance(acc, "secret-shop-name")
	e.do("GET", "/api/instance/getSettings/secret-shop-name", acc, nil).Want(http.StatusOK)
	for range 4 {
		e.do("GET", "/api/instance/list", acc, nil)
	}
	for range 3 {
		e.do("GET", "/api/instance/list", "sba_wrong", nil)
	}
	for range 4 {
		e.do("GET", "/no/such/path/5511999990000", "", nil)
	}

	for bucket, want := range map[string]float64{bucketGlobal: 2, bucketAuthFailures: 1, bucketPublic: 1, bucketCreate: 0} {
		if got := testutil.ToFloat64(m.refusals.WithLabelValues(bucket)); got != want {
			t.Errorf("refusals{bucket=%q} = %v, want %v", bucket, got, want)
		}
	}
	for _, c := range []struct {
		route, status string
		want          float64
	}{
		{"GET /api/instance/getSettings/{instance}", "200", 1},
		{"GET /api/instance/list", "200", 2},
		{"GET /api/instance/list", "429", 3}, // two over the global bucket, one over the auth failures
		{"GET /api/instance/list", "401", 2},
		{routeUnmatched, "404", 3},
		{routeUnmatched, "429", 1},
	} {
		if got := testutil.ToFloat64(m.requests.WithLabelValues(c.route, c.status)); got != c.want {
			t.Errorf("requests{route=%q,status=%s} = %v, want %v", c.route, c.status, got, c.want)
		}
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		for _, metric := range f.GetMetric() {
			for _, l := range metric.GetLabel() {
				if v := l.GetValue(); v == "secret-shop-name" || v == "/no/such/path/5511999990000" {
					t.Errorf("%s carries %q in label %s", f.GetName(), v, l.GetName())
				}
			}
		}
	}
}
