package e2e

import (
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestHealthShape: /health answers in RyzeAPI's shape (status, service, uptime, timestamp,
// checks.db) plus version, and 503 degraded with checks.db "fail: <reason>" when the database
// really stops answering (its connection pool closed under the running server).
func TestHealthShape(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		e := apptest.Start(t, dsn)
		res := e.Do("GET", "/health", "", nil).Want(http.StatusOK)
		if res.Str("status") != "ok" || res.Str("service") != "Switchboard" || res.Str("version") != "test" || res.Str("checks.db") != "ok" {
			t.Fatalf("health: %s", res.Raw)
		}
		if !regexp.MustCompile(`^([0-9]+h)?([0-9]+m)?[0-9]+s$`).MatchString(res.Str("uptime")) {
			t.Fatalf("uptime %q", res.Str("uptime"))
		}
		ts, err := time.Parse(time.RFC3339, res.Str("timestamp"))
		if err != nil || time.Since(ts) > time.Minute || time.Until(ts) > time.Minute {
			t.Fatalf("timestamp %q: %v", res.Str("timestamp"), err)
		}

		if err := e.App.Store().DB().Close(); err != nil {
			t.Fatal(err)
		}
		res = e.Do("GET", "/health", "", nil).Want(http.StatusServiceUnavailable)
		if res.Str("status") != "degraded" || res.Str("checks.db") != "fail: database unreachable" || res.Str("uptime") == "" {
			t.Fatalf("health with the database gone: %s", res.Raw)
		}
	})
}
