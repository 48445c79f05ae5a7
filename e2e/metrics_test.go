package e2e

import (
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// TestMetricsScrapedFromServe runs `switchboard serve --metrics-addr` as a child, scrapes
// /metrics on that listener before and after real traffic (requests, a 404, a refused create, a
// paired instance, a link batch with one group WhatsApp refuses), parses both scrapes with
// Prometheus's text parser and checks that each series moved by what the traffic caused. The
// API's own listener must not serve /metrics, and no scrape may contain a token or phone number.
func TestMetricsScrapedFromServe(t *testing.T) {
	sim := wasimtest.NewServer(t, wasim.Config{RootKey: wasimtest.SharedRoot()})
	metricsAddr := freeLoopbackAddr(t)
	g := newGateway(t, sim.URL(), "SWITCHBOARD_METRICS_ADDR="+metricsAddr, "SWITCHBOARD_RATE_LIMIT_CREATE=1",
		"SWITCHBOARD_LINK_INTERVAL=0")
	acc := g.createAccount("metrics")
	g.start()
	scrapeURL := "http://" + metricsAddr + "/metrics"
	before := scrape(t, scrapeURL)

	if res := g.must("GET", "/metrics", acc, nil); res.status != http.StatusNotFound {
		t.Fatalf("/metrics on the API listener: %v, want 404", res)
	}
	admin, owner := pairAdmin(t, g, sim, acc, "admin", "5511962000000")
	if res := g.must("POST", "/api/instance/new", acc, map[string]any{"name": "second"}); res.status != http.StatusTooManyRequests {
		t.Fatalf("second create with SWITCHBOARD_RATE_LIMIT_CREATE=1: %v, want 429", res)
	}
	community, groups := linkScene(t, sim, owner, 0)
	res := g.must("POST", "/api/community/link/admin", admin.token,
		map[string]any{"communityJid": community.String(), "groupJid": jidStrings(groups)})
	if res.status != http.StatusOK || len(res.body.Strings("linked")) != groupsPerLink {
		t.Fatalf("link: %v", res)
	}
	beforeLists := scrape(t, scrapeURL) // pairing polled the list: count the next three alone
	for range 3 {
		g.must("GET", "/api/instance/list", acc, nil)
	}
	if res := g.must("GET", "/api/instance/list", "sba_not-a-token", nil); res.status != http.StatusUnauthorized {
		t.Fatalf("unknown token: %v", res)
	}

	after := scrape(t, scrapeURL)
	moved := func(name string, labels map[string]string) float64 {
		return value(after, name, labels) - value(before, name, labels)
	}
	checks := []struct {
		what string
		got  float64
		want float64
	}{
		{"list requests answered 200", value(after, "switchboard_http_requests_total", map[string]string{"route": "GET /api/instance/list", "status": "200"}) -
			value(beforeLists, "switchboard_http_requests_total", map[string]string{"route": "GET /api/instance/list", "status": "200"}), 3},
		{"list requests answered 401", moved("switchboard_http_requests_total", map[string]string{"route": "GET /api/instance/list", "status": "401"}), 1},
		{"/metrics on the API listener, unmatched 404", moved("switchboard_http_requests_total", map[string]string{"route": "unmatched", "status": "404"}), 1},
		{"refused creates", moved("switchboard_rate_limit_refusals_total", map[string]string{"bucket": "create"}), 1},
		{"creates answered 429", moved("switchboard_http_requests_total", map[string]string{"route": "POST /api/instance/new", "status": "429"}), 1},
		{"link round trips", moved("switchboard_whatsapp_round_trips_total", map[string]string{"kind": "link_group"}), groupsPerLink},
		{"links accepted", moved("switchboard_community_link_results_total", map[string]string{"operation": "link", "result": "ok"}), groupsPerLink},
		{"connected instances", value(after, "switchboard_instances", map[string]string{"state": "connected"}), 1},
		{"list latency observations", histogramCount(after, "switchboard_http_request_duration_seconds", map[string]string{"route": "GET /api/instance/list"}) -
			histogramCount(beforeLists, "switchboard_http_request_duration_seconds", map[string]string{"route": "GET /api/instance/list"}), 4},
		{"link latency observations", histogramCount(after, "switchboard_whatsapp_round_trip_duration_seconds", map[string]string{"kind": "link_group"}), groupsPerLink},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.what, c.got, c.want)
		}
	}
	if _, ok := after.families["go_goroutines"]; !ok {
		t.Error("no Go runtime metrics (go_goroutines)")
	}
	checkWithPromtool(t, after.raw)
	for _, secret := range []string{acc, admin.token, admin.phone, "5511962000000"} {
		if strings.Contains(after.raw, secret) {
			t.Errorf("the scrape contains %q", secret)
		}
	}
}

// checkWithPromtool runs `promtool check metrics` (Prometheus's linter: names, units, help,
// label conventions) on a scrape. Without promtool the scrape has still been parsed by expfmt;
// SWITCHBOARD_REQUIRE_PROMTOOL=1 (set by .ci/run when it could install it) makes it mandatory.
func checkWithPromtool(t *testing.T, scrape string) {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("SWITCHBOARD_REQUIRE_PROMTOOL") == "1" {
			t.Fatal("promtool not found and SWITCHBOARD_REQUIRE_PROMTOOL=1")
		}
		t.Log("promtool not found: the scrape was checked with Prometheus's text parser only")
		return
	}
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = strings.NewReader(scrape)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}

type scraped struct {
	raw      string
	families map[string]*dto.MetricFamily
}

// scrape reads /metrics in the text format and parses it with Prometheus's own parser.
func scrape(t *testing.T, url string) scraped {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	var raw strings.Builder
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(readAll(t, resp, &raw)))
	if err != nil {
		t.Fatalf("the scrape does not parse: %v", err)
	}
	return scraped{raw: raw.String(), families: families}
}

func readAll(t *testing.T, resp *http.Response, into *strings.Builder) string {
	t.Helper()
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		into.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return into.String()
}

// find returns the metric of family name whose labels include want, or nil.
func (s scraped) find(name string, want map[string]string) *dto.Metric {
	family := s.families[name]
	if family == nil {
		return nil
	}
next:
	for _, m := range family.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		return m
	}
	return nil
}

// value is a counter's or gauge's value, 0 when the series does not exist (yet).
func value(s scraped, name string, labels map[string]string) float64 {
	m := s.find(name, labels)
	switch {
	case m == nil:
		return 0
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	case m.Gauge != nil:
		return m.GetGauge().GetValue()
	}
	return m.GetUntyped().GetValue()
}

func histogramCount(s scraped, name string, labels map[string]string) float64 {
	m := s.find(name, labels)
	if m == nil {
		return 0
	}
	return float64(m.GetHistogram().GetSampleCount())
}
