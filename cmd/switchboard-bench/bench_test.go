package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// The benchmark itself is a program, not a test (it takes minutes and measures speed). These
// tests cover only what it computes and parses, and run in milliseconds.

func TestParseArgs(t *testing.T) {
	for scenario, want := range map[string]int{"memory": 100, "boot": 100, "http": 1, "link": 10} {
		o, err := parseArgs([]string{"-scenario", scenario})
		if err != nil || o.n != want {
			t.Errorf("%s: n %d, err %v; want the default %d", scenario, o.n, err, want)
		}
	}
	o, err := parseArgs([]string{"-scenario", "memory", "-n", "1000", "-settle", "2m"})
	if err != nil || o.n != 1000 || o.settle != 2*time.Minute {
		t.Errorf("explicit flags: %+v, %v", o, err)
	}
	for _, bad := range [][]string{
		{},
		{"-scenario", "nope"},
		{"-scenario", "memory", "-n", "-1"},
		{"-scenario", "link", "-n", "51"},
		{"-scenario", "http", "-c", "0"},
		{"-scenario", "http", "-duration", "0s"},
		{"-scenario", "memory", "extra"},
	} {
		if _, err := parseArgs(bad); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
	if o, err := parseArgs([]string{"-baseline-child", "http", "-child-body", "x.json"}); err != nil || o.child != "http" {
		t.Errorf("a baseline child needs no scenario: %+v, %v", o, err)
	}
}

func TestFigures(t *testing.T) {
	if got := perInstance(10<<20, 40<<20, 100); got != float64(30<<20)/100 {
		t.Errorf("perInstance = %v", got)
	}
	if got := perInstance(40, 10, 3); got != -10 {
		t.Errorf("a shrinking process gives a negative growth, got %v", got)
	}
	if ratio(3, 0) != 0 || ratio(3, 2) != 1.5 {
		t.Error("ratio")
	}
	if linkFloor(10, 1) != 9 || linkFloor(1, 1) != 0 {
		t.Error("linkFloor: (N-1) intervals")
	}
	// 10 groups in 9.15 s with a 9 s floor: 15 ms per group.
	if got := round(overheadPerGroup(9.15, 9, 10), 6); got != 15 {
		t.Errorf("overheadPerGroup = %v, want 15", got)
	}
}

func TestPercentile(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	if percentile(lat, 50) != 50*time.Millisecond || percentile(lat, 99) != 99*time.Millisecond || percentile(lat, 100) != 100*time.Millisecond {
		t.Errorf("nearest rank: p50 %v p99 %v p100 %v", percentile(lat, 50), percentile(lat, 99), percentile(lat, 100))
	}
	if percentile(nil, 99) != 0 {
		t.Error("no samples")
	}
	s := loadStats{requests: 500, seconds: 2}
	if s.rps() != 250 {
		t.Errorf("rps = %v", s.rps())
	}
}

func TestParseRSSAndConnected(t *testing.T) {
	if b, err := parseKB("   123456 kB"); err != nil || b != 123456*1024 {
		t.Errorf("parseKB = %d, %v", b, err)
	}
	if _, err := parseKB("12 MB"); err == nil {
		t.Error("parseKB accepted MB")
	}
	if n, most, err := parseConnected("connected 1000 8"); err != nil || n != 1000 || most != 8 {
		t.Errorf("parseConnected = %d %d %v", n, most, err)
	}
	if n, _, err := parseConnected("connected 5"); err != nil || n != 5 {
		t.Errorf("parseConnected without max = %d %v", n, err)
	}
	for _, bad := range []string{"ready", "connected", "connected x", "connected 1 y"} {
		if _, _, err := parseConnected(bad); err == nil {
			t.Errorf("parseConnected(%q): want an error", bad)
		}
	}
}

// The last line printed is one JSON object with the figures in the scenario's order.
func TestResultEndsWithJSONLine(t *testing.T) {
	r := result{title: "t", columns: []string{"a", "b"}}
	r.row("x", "1")
	r.check("goal", true, "1")
	r.fig("instances", 100)
	r.fig("ratio", 0.99)
	var out bytes.Buffer
	if err := r.print(&out, []string{"header"}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
	last := lines[len(lines)-1]
	if last != `{"instances":100,"ratio":0.99}` {
		t.Fatalf("last line %q", last)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(last), &m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "| x   | 1   |") {
		t.Errorf("table row missing:\n%s", out.String())
	}
}

func TestLogWatch(t *testing.T) {
	var copied bytes.Buffer
	w := newLogWatch(&copied)
	seen := w.seen("saved sessions reconnected")
	w.consume(strings.NewReader(`{"msg":"connected to WhatsApp"}` + "\n" + `not json` + "\n" +
		`{"msg":"connected to WhatsApp"}` + "\n" + `{"msg":"saved sessions reconnected","connected":2,"max_concurrent_handshakes":2}` + "\n"))
	select {
	case <-seen:
	default:
		t.Fatal("the awaited line was not signalled")
	}
	if w.count("connected to WhatsApp") != 2 || intField(w.first("saved sessions reconnected"), "max_concurrent_handshakes") != 2 {
		t.Errorf("count %d, first %v", w.count("connected to WhatsApp"), w.first("saved sessions reconnected"))
	}
	if w.firstAt("saved sessions reconnected").IsZero() || !strings.Contains(copied.String(), "not json") {
		t.Error("time of the line or the copy missing")
	}
}

func TestLogMessage(t *testing.T) {
	for line, want := range map[string]string{
		`{"time":"x","level":"INFO","msg":"request","status":200}`: "request",
		`{"msg":"say \"hi\"","a":1}`:                               `say \"hi\"`,
		`{"level":"INFO"}`:                                         "",
		`{"msg":"unterminated`:                                     "",
		`plain text`:                                               "",
	} {
		if got := logMessage(line); got != want {
			t.Errorf("logMessage(%s) = %q, want %q", line, got, want)
		}
	}
}
