package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/internal/testkit"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

// The Idempotency-Key and async machinery is generic, so it is tested through a bulk route
// that exists only in tests (the real bulk routes, community link and friends, have their own
// tests and an end-to-end one in e2e/jobs_test.go). The probe counts its runs and can be held
// between items, which the real routes cannot be made to do without timing tricks.
const probePath = "/test/bulk/"

// probe is the test-only bulk handler. Body {"items": N, "code": "..."}: it validates, reports
// 0/N, then for each item waits for a step (when stepped), reports i/N and announces it.
type probe struct {
	calls    atomic.Int32
	stepped  bool
	step     chan struct{} // one value lets one item through, when stepped
	entered  chan struct{} // one value per run, at its start
	reported chan int      // each report after it is recorded
	// released is closed when the test ends, so that a test failing while the probe holds a
	// request fails at once: the server's Close waits for that request to finish.
	released chan struct{}
}

// withProbe registers the probe at POST /test/bulk/{instance}, idempotent and async like the
// community link route. The route goes to the mux directly, not through handle: it is not part
// of the API and must not be listed for the OpenAPI coverage test.
func withProbe(e *testEnv, stepped bool) *probe {
	p := &probe{stepped: stepped, step: make(chan struct{}), entered: make(chan struct{}, 100),
		reported: make(chan int, 100), released: make(chan struct{})}
	// Registered after the server's, so it runs before the server's Close.
	e.t.Cleanup(func() { close(p.released) })
	opts := routeOptions{scope: scopeAny, idempotent: true, async: true}
	e.api.mux.Handle("POST "+probePath+"{instance}", e.api.authedInstance(opts, p.handle))
	return p
}

func (p *probe) handle(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
	p.calls.Add(1)
	p.entered <- struct{}{}
	var req struct {
		Items  int    `json:"items"`
		Code   string `json:"code"`   // an error code to fail with, before any work
		FailAt int    `json:"failAt"` // an item at which to fail with a 500, after some work
	}
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	if req.Items <= 0 {
		return invalid("items is required")
	}
	if req.Code != "" {
		return &switchboard.Error{Code: switchboard.ErrorCode(req.Code), Message: "probe failed with " + req.Code}
	}
	reportProgress(r.Context(), 0, req.Items)
	var processed []int
	for i := 1; i <= req.Items; i++ {
		if p.stepped {
			select {
			case <-p.step:
			case <-r.Context().Done():
				// Cancelled (server shutdown): answer what was done, as a bulk route does.
				writeJSON(w, http.StatusOK, probeAnswer(processed, req.Items, inst))
				return nil
			case <-p.released:
				return invalid("the test ended while the probe held this request")
			}
		}
		if i == req.FailAt {
			return switchboard.Wrap(switchboard.CodeInternal, "probe failed at an item", fmt.Errorf("item %d", i))
		}
		processed = append(processed, i)
		reportProgress(r.Context(), i, req.Items)
		p.reported <- i
	}
	writeJSON(w, http.StatusOK, probeAnswer(processed, req.Items, inst))
	return nil
}

func probeAnswer(processed []int, total int, inst *switchboard.Instance) map[string]any {
	return map[string]any{
		"success": true, "message": fmt.Sprintf("Processed %d of %d items", len(processed), total),
		"processed": processed, "instance": inst.Name,
	}
}

// waitEntered waits for the probe's next run to start.
func (p *probe) waitEntered(t *testing.T) {
	t.Helper()
	select {
	case <-p.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the probe handler never ran")
	}
}

// advance lets one item through and waits until its progress is recorded.
func (p *probe) advance(t *testing.T, want int) {
	t.Helper()
	select {
	case p.step <- struct{}{}:
	case <-time.After(10 * time.Second):
		t.Fatal("the probe handler is not waiting for a step")
	}
	select {
	case got := <-p.reported:
		if got != want {
			t.Fatalf("probe reported item %d, want %d", got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the probe handler never reported")
	}
}

// raw sends a request without the OpenAPI check of do: the probe route is not part of the API.
// Headers may repeat (Add), to test a doubled Idempotency-Key.
func (e *testEnv) raw(method, path, token, body string, headers ...string) *result {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("token", token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	return testkit.Send(e.t, e.srv.Client(), req, nil)
}

// job reads a job through the API.
func (e *testEnv) job(token, instance, id string) *result {
	e.t.Helper()
	return e.do("GET", "/api/job/get/"+instance+"?id="+id, token, nil)
}

// waitJob polls a job until it leaves running. The deadline only bounds a broken test.
func (e *testEnv) waitJob(token, instance, id string) *result {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res := e.job(token, instance, id).Want(http.StatusOK)
		if res.Str("job.status") != "running" {
			return res
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("job %s still running: %s", id, res.Raw)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// jsonEqual compares two JSON documents by value.
func jsonEqual(t *testing.T, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("not JSON: %s", got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("not JSON: %s", want)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Fatalf("got %s\nwant %s", gb, wb)
	}
}

// eachDurable starts test servers whose Jobs and Idempotency are the real store, on SQLite and,
// when configured, PostgreSQL; a second server on the same store stands for a restart.
func eachDurable(t *testing.T, fn func(t *testing.T, st *store.Store, start func() *testEnv)) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		fn(t, st, func() *testEnv {
			e := newEnvOn(t, st, func(c *Config) { c.Jobs, c.Idempotency = st, st })
			t.Cleanup(e.api.Close) // before the store closes: cleanups run last-in first-out
			return e
		})
	})
}
