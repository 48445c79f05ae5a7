package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestAsyncJobToCompletion: 202 at once, progress while running, then the body the synchronous
// call returns.
func TestAsyncJobToCompletion(t *testing.T) {
	eachDurable(t, func(t *testing.T, st *store.Store, start func() *testEnv) {
		e := start()
		p := withProbe(e, true)
		acc := e.account("a", 0)
		e.instance(acc, "shop")

		accepted := e.raw("POST", probePath+"shop?async=true", acc, `{"items": 3}`).wantStatus(http.StatusAccepted)
		id := accepted.str("job.id")
		if id == "" {
			t.Fatalf("no job id: %s", accepted.raw)
		}
		jsonEqual(t, accepted.raw, []byte(`{"success":true,"message":"Accepted","job":{"id":"`+id+`","status":"running"}}`))

		running := e.job(acc, "shop", id).wantStatus(http.StatusOK)
		for path, want := range map[string]any{
			"success": true, "message": "Job running", "job.id": id, "job.status": "running",
			"job.kind": "test.bulk", "job.done": 0.0, "job.total": 3.0, "job.finishedAt": nil, "job.result": nil,
		} {
			if got := running.get(path); got != want {
				t.Errorf("%s = %v, want %v", path, got, want)
			}
		}
		if running.str("job.createdAt") == "" {
			t.Errorf("no createdAt: %s", running.raw)
		}

		p.advance(t, 1)
		if res := e.job(acc, "shop", id); res.get("job.done") != 1.0 || res.get("job.total") != 3.0 || res.str("job.status") != "running" {
			t.Fatalf("after one item: %s", res.raw)
		}
		p.advance(t, 2)
		p.advance(t, 3)
		done := e.waitJob(acc, "shop", id)
		if done.str("job.status") != "done" || done.str("message") != "Job done" || done.get("job.done") != 3.0 || done.str("job.finishedAt") == "" {
			t.Fatalf("finished job: %s", done.raw)
		}
		result, _ := json.Marshal(done.get("job.result"))
		jsonEqual(t, result, []byte(`{"success":true,"message":"Processed 3 of 3 items","processed":[1,2,3],"instance":"shop"}`))
		if p.calls.Load() != 1 {
			t.Fatalf("handler ran %d times", p.calls.Load())
		}
	})
}

// TestAsyncJobFailures: a request refused before any work is answered directly, as without
// async; a failure after the 202 makes the job failed with the error the route would have sent.
func TestAsyncJobFailures(t *testing.T) {
	st := storetest.Open(t)
	e := newEnvOn(t, st, func(c *Config) { c.Jobs = st })
	t.Cleanup(e.api.Close)
	withProbe(e, false)
	acc := e.account("a", 0)
	e.instance(acc, "shop")

	e.raw("POST", probePath+"shop?async=true", acc, `{"items": 0}`).
		wantError(http.StatusBadRequest, "items is required", switchboard.CodeInvalid)
	e.raw("POST", probePath+"shop?async=true", acc, `{"items": 1, "code": "rate_limited"}`).
		wantError(http.StatusTooManyRequests, "probe failed with rate_limited", switchboard.CodeRateLimited)
	e.raw("POST", probePath+"shop?async=maybe", acc, `{"items": 1}`).
		wantError(http.StatusBadRequest, "async must be true or false", switchboard.CodeInvalid)
	e.raw("POST", probePath+"shop?async=false", acc, `{"items": 1}`).wantStatus(http.StatusOK)

	accepted := e.raw("POST", probePath+"shop?async=true", acc, `{"items": 3, "failAt": 2}`).wantStatus(http.StatusAccepted)
	res := e.waitJob(acc, "shop", accepted.str("job.id"))
	if res.str("job.status") != "failed" || res.get("job.done") != 1.0 || res.get("job.total") != 3.0 {
		t.Fatalf("failed job: %s", res.raw)
	}
	result, _ := json.Marshal(res.get("job.result"))
	jsonEqual(t, result, []byte(`{"success":false,"error":{"message":"probe failed at an item","code":"internal"}}`))
}

// TestAsyncRefusalAndIdempotencyKey: a refusal before the 202 reaches the Idempotency-Key as it
// does without async: a validation error is kept, "not connected" frees the key.
func TestAsyncRefusalAndIdempotencyKey(t *testing.T) {
	st := storetest.Open(t)
	e := newEnvOn(t, st, func(c *Config) { c.Jobs, c.Idempotency = st, st })
	t.Cleanup(e.api.Close)
	p := withProbe(e, false)
	acc := e.account("a", 0)
	e.instance(acc, "shop")

	for range 2 {
		e.raw("POST", probePath+"shop?async=true", acc, `{"items": 1, "code": "not_connected"}`, "Idempotency-Key", "offline").
			wantError(http.StatusBadRequest, "probe failed with not_connected", switchboard.CodeNotConnected)
	}
	if p.calls.Load() != 2 {
		t.Fatalf("not connected: %d runs, want 2 (the key must be freed)", p.calls.Load())
	}
	for range 2 {
		e.raw("POST", probePath+"shop?async=true", acc, `{"items": 0}`, "Idempotency-Key", "invalid").
			wantError(http.StatusBadRequest, "items is required", switchboard.CodeInvalid)
	}
	if p.calls.Load() != 3 {
		t.Fatalf("validation error: %d runs, want 3 (the answer is kept)", p.calls.Load())
	}
}

// TestAsyncWithoutJobStore: async=true then runs synchronously.
func TestAsyncWithoutJobStore(t *testing.T) {
	e := newEnv(t)
	withProbe(e, false)
	acc := e.account("a", 0)
	e.instance(acc, "shop")
	res := e.raw("POST", probePath+"shop?async=true", acc, `{"items": 2}`).wantStatus(http.StatusOK)
	if res.str("message") != "Processed 2 of 2 items" {
		t.Fatalf("synchronous answer expected: %s", res.raw)
	}
}

// TestAsyncIdempotent: an async request with a key replays its 202 and the same job.
func TestAsyncIdempotent(t *testing.T) {
	eachDurable(t, func(t *testing.T, st *store.Store, start func() *testEnv) {
		e := start()
		p := withProbe(e, false)
		acc := e.account("a", 0)
		e.instance(acc, "shop")
		first := e.raw("POST", probePath+"shop?async=true", acc, `{"items": 2}`, "Idempotency-Key", "k").wantStatus(http.StatusAccepted)
		e.waitJob(acc, "shop", first.str("job.id"))

		again := e.raw("POST", probePath+"shop?async=true", acc, `{"items": 2}`, "Idempotency-Key", "k").wantStatus(http.StatusAccepted)
		if again.str("job.id") != first.str("job.id") || again.header.Get(replayedHeader) != "true" || p.calls.Load() != 1 {
			t.Fatalf("replay %s (%d runs), want job %s once", again.raw, p.calls.Load(), first.str("job.id"))
		}
	})
}

// TestJobInterruptedByRestart: a process dies mid-job; the next one reports it interrupted with
// the progress it had recorded, and the dead process's late end cannot overwrite that.
func TestJobInterruptedByRestart(t *testing.T) {
	eachDurable(t, func(t *testing.T, st *store.Store, start func() *testEnv) {
		e := start()
		p := withProbe(e, true)
		acc := e.account("a", 0)
		e.instance(acc, "shop")
		id := e.raw("POST", probePath+"shop?async=true", acc, `{"items": 3}`).wantStatus(http.StatusAccepted).str("job.id")
		p.advance(t, 1)

		// The "crash": the first server is abandoned as is, and a new one boots on the database.
		if n, err := st.InterruptRunningJobs(context.Background()); err != nil || n != 1 {
			t.Fatalf("InterruptRunningJobs = %d, %v", n, err)
		}
		restarted := start()
		res := restarted.job(acc, "shop", id).wantStatus(http.StatusOK)
		if res.str("job.status") != "interrupted" || res.get("job.done") != 1.0 || res.get("job.total") != 3.0 || res.str("job.finishedAt") == "" {
			t.Fatalf("after restart: %s", res.raw)
		}

		// The old process's job ends later (here: cancelled); the first verdict stands.
		if err := e.api.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		res = restarted.job(acc, "shop", id)
		if res.str("job.status") != "interrupted" || res.get("job.done") != 1.0 || res.get("job.result") != nil {
			t.Fatalf("a late end overwrote the interruption: %s", res.raw)
		}
	})
}

// TestShutdownInterruptsJobs: Shutdown cancels running jobs, which record themselves as
// interrupted with their partial answer, and later async requests are refused.
func TestShutdownInterruptsJobs(t *testing.T) {
	st := storetest.Open(t)
	e := newEnvOn(t, st, func(c *Config) { c.Jobs = st })
	p := withProbe(e, true)
	acc := e.account("a", 0)
	e.instance(acc, "shop")
	id := e.raw("POST", probePath+"shop?async=true", acc, `{"items": 3}`).wantStatus(http.StatusAccepted).str("job.id")
	p.advance(t, 1)

	if err := e.api.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := e.job(acc, "shop", id).wantStatus(http.StatusOK)
	if res.str("job.status") != "interrupted" || res.get("job.done") != 1.0 || res.get("job.total") != 3.0 {
		t.Fatalf("after shutdown: %s", res.raw)
	}
	result, _ := json.Marshal(res.get("job.result"))
	jsonEqual(t, result, []byte(`{"success":true,"message":"Processed 1 of 3 items","processed":[1],"instance":"shop"}`))

	e.raw("POST", probePath+"shop?async=true", acc, `{"items": 1}`).
		wantError(http.StatusServiceUnavailable, "Server is shutting down", switchboard.CodeUnavailable)
}

// TestJobGetErrors: the documented refusals, and tenancy: a job is visible only through its
// own instance.
func TestJobGetErrors(t *testing.T) {
	eachDurable(t, func(t *testing.T, st *store.Store, start func() *testEnv) {
		e := start()
		withProbe(e, false)
		acc := e.account("a", 0)
		e.instance(acc, "shop")
		e.instance(acc, "other")
		id := e.raw("POST", probePath+"shop?async=true", acc, `{"items": 1}`).wantStatus(http.StatusAccepted).str("job.id")
		e.waitJob(acc, "shop", id)

		e.do("GET", "/api/job/get/shop", acc, nil).wantError(http.StatusBadRequest, "id is required", switchboard.CodeInvalid)
		e.do("GET", "/api/job/get/shop?id=", acc, nil).wantError(http.StatusBadRequest, "id is required", switchboard.CodeInvalid)
		e.job(acc, "shop", "nope").wantError(http.StatusNotFound, "Job not found", switchboard.CodeNotFound)
		e.job(acc, "other", id).wantError(http.StatusNotFound, "Job not found", switchboard.CodeNotFound)

		intruder := e.account("b", 0)
		e.instance(intruder, "shop")
		e.job(intruder, "shop", id).wantError(http.StatusNotFound, "Job not found", switchboard.CodeNotFound)
		otherToken := e.instance(acc, "third")
		e.job(otherToken, "shop", id).wantError(http.StatusForbidden, "Instance token does not match this instance", switchboard.CodeForbidden)
	})
}

func TestJobKind(t *testing.T) {
	for pattern, want := range map[string]string{
		"POST /api/community/link/{instance}":   "community.link",
		"POST /api/community/create/{instance}": "community.create",
		"POST /test/bulk/{instance}":            "test.bulk",
	} {
		if got := jobKind(pattern); got != want {
			t.Errorf("jobKind(%q) = %q, want %q", pattern, got, want)
		}
	}
}
