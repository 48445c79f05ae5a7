package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// accessLines decodes the captured log and returns the access lines and the summaries.
func accessLines(t *testing.T, logs string) (requests []map[string]any, summaries []map[string]any) {
	t.Helper()
	for _, line := range strings.Split(logs, "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue
		}
		switch rec["msg"] {
		case "request":
			requests = append(requests, rec)
		case "access lines suppressed":
			summaries = append(summaries, rec)
		}
	}
	return requests, summaries
}

// TestAccessLogSampling: refusals from one address get a burst of access lines a minute; the
// rest are counted, and the next minute's first refusal from anywhere brings one summary line
// with the count. Successes are never sampled.
func TestAccessLogSampling(t *testing.T) {
	e := newEnv(t)
	tok := e.account("a", 0)
	for i := 0; i < accessLogBurst+15; i++ {
		e.do("GET", "/nope", "", nil).Want(http.StatusNotFound)
	}
	for i := 0; i < 5; i++ {
		e.do("GET", "/api/instance/list", "sba_bad", nil).Want(http.StatusUnauthorized)
	}
	for i := 0; i < accessLogBurst+5; i++ {
		e.do("GET", "/api/instance/list", tok, nil).Want(http.StatusOK)
	}
	requests, summaries := accessLines(t, e.logs.String())
	refused := 0
	for _, r := range requests {
		if r["status"] != float64(http.StatusOK) {
			refused++
		}
	}
	if refused != accessLogBurst || len(requests)-refused != accessLogBurst+5 || len(summaries) != 0 {
		t.Fatalf("%d refusal lines (want %d), %d success lines (want %d), %d summaries (want 0 yet)",
			refused, accessLogBurst, len(requests)-refused, accessLogBurst+5, len(summaries))
	}

	e.clock.Advance(time.Minute)
	e.do("GET", "/nope", "", nil).Want(http.StatusNotFound)
	requests, summaries = accessLines(t, e.logs.String())
	if len(summaries) != 1 || summaries[0]["suppressed"] != float64(20) || summaries[0]["client"] == "" {
		t.Fatalf("summaries after the window: %v", summaries)
	}
	if last := requests[len(requests)-1]; last["status"] != float64(http.StatusNotFound) {
		t.Fatalf("a new window's first refusal was not logged: %v", last)
	}
}

// TestAccessSamplerBounded: with the table full, new addresses share one overflow window, so
// memory stays bounded and they are still sampled.
func TestAccessSamplerBounded(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1_800_000_000, 0)}
	a := newAccessSampler(clock.Now)
	a.maxKeys = 4
	for i := 0; i < 4; i++ {
		a.admit(string(rune('a' + i)))
	}
	logged := 0
	for i := 0; i < 100; i++ {
		if ok, _ := a.admit("new" + string(rune('A'+i))); ok {
			logged++
		}
	}
	if logged != accessLogBurst || len(a.windows) != 5 {
		t.Fatalf("overflow logged %d (want %d), %d windows (want 5)", logged, accessLogBurst, len(a.windows))
	}
}
