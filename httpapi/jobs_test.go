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

		accepted := e.raw("POST", probePath+"shop?async=true", acc, `{"items": 3}`).Want(http.StatusAccepted)
		id := accepted.Str("job.id")
		if id == "" {
			t.Fatalf("no job id: %s", accepted.Raw)
		}
		jsonEqual(t, accepted.Raw, []byte(`{"success":true,"message":"Accepted","job":{"id":"`+id+`","status":"running"}}`))

		running := e.job(acc, "shop", id).Want(http.StatusOK)
		for path, want := range map[string]any{
			"success": true, "message": "Job running", "job.id": id, "job.status": "running",
			"job.kind": "test.bulk", "job.done": 0.0, "job.total": 3.0, "job.finishedAt": nil, "job.result": nil,
		} {
			if got := running.Get(path); got != want {
				t.Errorf("%s = %v, want %v", path, got, want)
			}
		}
		if running.Str("job.createdAt") == "" {
			t.Errorf("no createdAt: %s", running.Raw)
		}

		p.advance(t, 1)
		if res := e.job(acc, "shop", id); res.Get("job.done") != 1.0 || res.Get("job.total") != 3.0 || res.Str("job.status") != "running" {
			t.Fatalf("after one item: %s", res.Raw)
		}
		p.advance(t, 2)
		p.advance(t, 3)
		done := e.waitJob(acc, "shop", id)
		if done.Str("job.status") != "done" || done.Str("message") != "Job done" || done.Get("job.done") != 3.0 || done.Str("job.finishedAt") == "" {
			t.Fatalf("finished job: %s", done.Raw)
		}
		result, _ := json.Marshal(done.Get("job.result"))
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
		WantErrorCode(http.StatusBadRequest, "items is required", switchboard.CodeInvalid)
	e.raw("POST", probePath+"shop?async=true", acc, `{"items": 1, "code": "rate_limited"}`).
		WantErrorCode(http.StatusTooManyRequests, "probe failed with rate_limited", switchboard.CodeRateLimited)
	e.raw("POST", probePath+"shop?async=maybe", acc, `{"items": 1}`).
		WantErrorCode(http.StatusBadRequest, "async must be true or false", switchboard.CodeInvalid)
	e.raw("POST", probePath+"shop?async=false", acc, `{"items": 1}`).Want(http.StatusOK)

	accepted := e.raw("POST", probePath+"shop?async=true", acc, `{"items": 3, "failAt": 2}`).Want(http.StatusAccepted)
	res := e.waitJob(acc, "shop", accepted.Str("job.id"))
	if res.Str("job.status") != "failed" || res.Get("job.done") != 1.0 || res.Get("job.total") != 3.0 {
		t.Fatalf("failed job: %s", res.Raw)
	}
	result, _ := json.Marshal(res.Get("job.result"))
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
			WantErrorCode(http.StatusBadRequest, "probe failed with not_connected", switchboard.CodeNotConnected)
	}
	if p.calls.Load() != 2 {
		t.Fatalf("not connected: %d runs, want 2 (the key must be freed)", p.calls.Load())
	}
	for range 2 {
		e.raw("POST", probePath+"shop?async=true", acc, `{"items": 0}`, "Idempotency-Key", "invalid").
			WantErrorCode(http.StatusBadRequest, "items is required", switchboard.CodeInvalid)
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
	res := e.raw("POST", probePath+"shop?async=true", acc, `{"items": 2}`).Want(http.StatusOK)
	if res.Str("message") != "Processed 2 of 2 items" {
		t.Fatalf("synchronous answer expected: %s", res.Raw)
	}
}

// TestAsyncIdempotent: an async request with a key replays its 202 and the same job.
func TestAsyncIdempotent(t *testing.T) {
	eachDurable(t, func(t *testing.T, st *store.Store, start func() *testEnv) {
		e := start()
		p := withProbe(e, false)
		acc := e.account("a", 0)
		e.instance(acc, "shop")
		first := e.raw("POST", probePath+"shop?async=true", acc, `{"items": 2}`, "Idempotency-Key", "k").Want(http.StatusAccepted)
		e.waitJob(acc, "shop", first.Str("job.id"))

		again := e.raw("POST", probePath+"shop?async=true", acc, `{"items": 2}`, "Idempotency-Key", "k").Want(http.StatusAccepted)
		if again.Str("job.id") != first.Str("job.id") || again.Header.Get(replayedHeader) != "true" || p.calls.Load() != 1 {
			t.Fatalf("replay %s (%d runs), want job %s once", again.Raw, p.calls.Load(), first.Str("job.id"))
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
		id := e.raw("POST", probePath+"shop?async=true", acc, `{"items": 3}`).Want(http.StatusAccepted).Str("job.id")
		p.advance(t, 1)

		// The "crash": the first server is abandoned as is, and a new one boots on the database.
		if n, err := st.InterruptRunningJobs(context.Background()); err != nil || n != 1 {
			t.Fatalf("InterruptRunningJobs = %d, %v", n, err)
		}
		restarted := start()
		res := restarted.job(acc, "shop", id).Want(http.StatusOK)
		if res.Str("job.status") != "interrupted" || res.Get("job.done") != 1.0 || res.Get("job.total") != 3.0 || res.Str("job.finishedAt") == "" {
			t.Fatalf("after restart: %s", res.Raw)
		}

		// The old process's job ends later (here: cancelled); the first verdict stands.
		if err := e.api.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		res = restarted.job(acc, "shop", id)
		if res.Str("job.status") != "interrupted" || res.Get("job.done") != 1.0 || res.Get("job.result") != nil {
			t.Fatalf("a late end overwrote the interruption: %s", res.Raw)
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
	id := e.raw("POST", probePath+"shop?async=true", acc, `{"items": 3}`).Want(http.StatusAccepted).Str("job.id")
	p.advance(t, 1)

	if err := e.api.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := e.job(acc, "shop", id).Want(http.StatusOK)
	if res.Str("job.status") != "interrupted" || res.Get("job.done") != 1.0 || res.Get("job.total") != 3.0 {
		t.Fatalf("after shutdown: %s", res.Raw)
	}
	result, _ := json.Marshal(res.Get("job.result"))
	jsonEqual(t, result, []byte(`{"success":true,"message":"Processed 1 of 3 items","processed":[1],"instance":"shop"}`))

	e.raw("POST", probePath+"shop?async=true", acc, `{"items": 1}`).
		WantErrorCode(http.StatusServiceUnavailable, "Server is shutting down", switchboard.CodeUnavailable)
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
		id := e.raw("POST", probePath+"shop?async=true", acc, `{"items": 1}`).Want(http.StatusAccepted).Str("job.id")
		e.waitJob(acc, "shop", id)

		e.do("GET", "/api/job/get/shop", acc, nil).WantErrorCode(http.StatusBadRequest, "id is required", switchboard.CodeInvalid)
		e.do("GET", "/api/job/get/shop?id=", acc, nil).WantErrorCode(http.StatusBadRequest, "id is required", switchboard.CodeInvalid)
		e.job(acc, "shop", "nope").WantErrorCode(http.StatusNotFound, "Job not found", switchboard.CodeNotFound)
		e.job(acc, "other", id).WantErrorCode(http.StatusNotFound, "Job not found", switchboard.CodeNotFound)

		intruder := e.account("b", 0)
		e.instance(intruder, "shop")
		e.job(intruder, "shop", id).WantErrorCode(http.StatusNotFound, "Job not found", switchboard.CodeNotFound)
		otherToken := e.instance(acc, "third")
		e.job(otherToken, "shop", id).WantErrorCode(http.StatusForbidden, "Instance token does not match this instance", switchboard.CodeForbidden)
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
