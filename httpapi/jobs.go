package httpapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/switchboard/switchboard"
)

// Async jobs (?async=true on routes registered with routeOptions{async: true}).
//
// The handler is the synchronous route's own, run in the background with a recording
// ResponseWriter; the job's result is exactly the body the synchronous call would have
// returned. The caller gets 202 with the job id once the handler has accepted the work, that is
// at its first reportProgress call, which bulk handlers make right after validating the request
// (job_progress.go). Until then the request waits, so a request that fails validation (or any
// answer before the first report) is answered directly with the route's usual error, exactly as
// without async, and no job is announced. A handler that never reports progress thus runs to
// the end before its 202.
//
// The job outlives the request (its context drops the request's cancellation) but not the
// server: Shutdown cancels it and records it as interrupted with what it had done. A job cut
// short by a crash is marked interrupted at the next boot (InterruptRunningJobs); its done and
// total are those of its last report, written as each report happens.
//
// Without a JobStore, async=true runs the route synchronously (200 with the usual body), as
// Config says: the work still happens, and the status tells the client which answer it got.

var (
	errAsyncInvalid = invalid("async must be true or false")
	errShuttingDown = &switchboard.Error{Code: switchboard.CodeUnavailable, Message: "Server is shutting down"}
)

// closeTimeout bounds how long Close waits for cancelled jobs to record their end.
const closeTimeout = 10 * time.Second

// asyncRoute lets an {instance} route run as a job when the caller asks for it.
func (s *Server) asyncRoute(opts routeOptions, h instanceHandlerFunc) instanceHandlerFunc {
	if !opts.async {
		return h
	}
	return func(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance) error {
		async, err := asyncRequested(r)
		if err != nil {
			return err
		}
		if !async || s.cfg.Jobs == nil {
			return h(w, r, inst)
		}
		return s.startJob(w, r, inst, h)
	}
}

// asyncRequested reads ?async=; absent or empty is false.
func asyncRequested(r *http.Request) (bool, error) {
	v := r.URL.Query().Get("async")
	if v == "" {
		return false, nil
	}
	async, err := strconv.ParseBool(v)
	if err != nil {
		return false, errAsyncInvalid
	}
	return async, nil
}

// jobAccepted is the 202 answer.
type jobAccepted struct {
	envelope
	Job jobRef `json:"job"`
}

type jobRef struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// startJob creates the job, runs h in the background and answers once h has accepted the work
// or ended.
func (s *Server) startJob(w http.ResponseWriter, r *http.Request, inst *switchboard.Instance, h instanceHandlerFunc) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	ctx, finish, started := s.background.begin(r.Context())
	if !started {
		return errShuttingDown
	}
	job := &switchboard.Job{InstanceID: inst.ID, Kind: jobKind(r.Pattern)}
	if err := s.cfg.Jobs.CreateJob(r.Context(), job); err != nil {
		finish()
		return failed("Failed to create job", err)
	}
	run := &asyncRun{s: s, id: job.ID, decided: make(chan struct{})}
	bg := r.Clone(context.WithValue(ctx, progressKey{}, progressFunc(run.progress)))
	bg.Body = io.NopCloser(bytes.NewReader(body))
	run.log = s.requestLogger(bg).With("job_id", job.ID, "job_kind", job.Kind)

	go func() {
		defer finish()
		capture := newCapture(nil)
		s.runCaptured(capture, bg, func(w http.ResponseWriter, r *http.Request) error {
			err := h(w, r, inst)
			if err != nil && !capture.wroteHeader {
				run.mu.Lock()
				run.failure = err
				run.mu.Unlock()
			}
			return err
		})
		run.end(ctx, capture)
	}()

	// Not bound to the client: if it hangs up, the job goes on, and with an Idempotency-Key
	// its retry must find the 202 stored rather than start the work a second time.
	<-run.decided
	run.mu.Lock()
	accepted, ended, failure := run.accepted, run.capture, run.failure
	run.mu.Unlock()
	if !accepted {
		// Ended before accepting any work: the route's own answer, as without async. An error
		// goes back as an error, so the wrappers around see it as they would without async
		// (an Idempotency-Key is not kept for "not connected", for one).
		for k, v := range ended.header {
			w.Header()[k] = v
		}
		if failure != nil {
			return failure
		}
		w.WriteHeader(ended.status)
		_, _ = w.Write(ended.body.Bytes())
		return nil
	}
	writeJSON(w, http.StatusAccepted, jobAccepted{envelope: ok("Accepted"), Job: jobRef{ID: job.ID, Status: string(switchboard.JobRunning)}})
	return nil
}

// asyncRun is one job's state, shared by its handler goroutine and the waiting request.
type asyncRun struct {
	s   *Server
	id  string
	log *slog.Logger

	mu       sync.Mutex
	decided  chan struct{} // closed at the first progress report or at the end, whichever is first
	closed   bool
	accepted bool           // a progress report came before the end
	capture  *captureWriter // the answer, once ended
	failure  error          // the error the handler answered with, if it wrote nothing itself
}

// progress records a report and, the first time, accepts the job. The write is synchronous, so
// what a client reads after the 202 (or after any later report) is at least that far.
func (a *asyncRun) progress(done, total int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.capture != nil {
		return // a late report from a handler that already ended
	}
	ctx, cancel := detached(context.Background())
	defer cancel()
	err := a.s.cfg.Jobs.UpdateJobProgress(ctx, a.id, done, total, nil)
	switch {
	case err == nil:
	case switchboard.IsCode(err, switchboard.CodeConflict):
		a.log.Debug("progress of a job closed elsewhere", "err", err)
	default:
		a.log.Error("recording job progress", "err", err)
	}
	if !a.closed {
		a.closed, a.accepted = true, true
		close(a.decided)
	}
}

// end records the handler's answer as the job's result.
func (a *asyncRun) end(ctx context.Context, capture *captureWriter) {
	status := switchboard.JobDone
	switch {
	case errors.Is(context.Cause(ctx), errShuttingDown):
		status = switchboard.JobInterrupted
	case capture.status < 200 || capture.status > 299:
		status = switchboard.JobFailed
	}
	write, cancel := detached(ctx)
	defer cancel()
	err := a.s.cfg.Jobs.FinishJob(write, a.id, status, capture.body.Bytes())
	switch {
	case err == nil:
		a.log.Info("job ended", "status", string(status), "http_status", capture.status)
	case switchboard.IsCode(err, switchboard.CodeConflict):
		// Another process already closed it (a boot's InterruptRunningJobs); its verdict stands.
		a.log.Debug("job ended after being closed elsewhere", "status", string(status), "err", err)
	default:
		a.log.Error("recording the end of a job", "err", err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.capture = capture
	if !a.closed {
		a.closed = true
		close(a.decided)
	}
}

// jobKind names a job after its route: "POST /api/community/link/{instance}" is
// "community.link".
func jobKind(pattern string) string {
	_, path, _ := strings.Cut(pattern, " ")
	var parts []string
	for _, seg := range strings.Split(strings.TrimPrefix(path, "/api/"), "/") {
		if seg != "" && !strings.HasPrefix(seg, "{") {
			parts = append(parts, seg)
		}
	}
	return strings.Join(parts, ".")
}

// backgroundJobs tracks the jobs this server runs, so Shutdown can cancel them and wait for
// them to record their end. The zero value is ready to use.
type backgroundJobs struct {
	mu     sync.Mutex
	stop   context.Context // cancelled by shutdown
	cancel context.CancelCauseFunc
	closed bool
	wg     sync.WaitGroup
}

func (b *backgroundJobs) init() {
	if b.stop == nil {
		b.stop, b.cancel = context.WithCancelCause(context.Background())
	}
}

// begin registers a job. Its context keeps parent's values (principal, request id for the
// logs) but not its cancellation, and is cancelled when the server shuts down. finish must be
// called when the job has recorded its end. ok is false once the server is shutting down.
func (b *backgroundJobs) begin(parent context.Context) (ctx context.Context, finish func(), ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, nil, false
	}
	b.init()
	ctx, cancel := context.WithCancelCause(context.WithoutCancel(parent))
	unlink := context.AfterFunc(b.stop, func() { cancel(context.Cause(b.stop)) })
	b.wg.Add(1)
	return ctx, func() {
		unlink()
		cancel(nil)
		b.wg.Done()
	}, true
}

// drain refuses new jobs and waits until the running ones end on their own or ctx ends,
// cancelling none of them.
func (b *backgroundJobs) drain(ctx context.Context) error {
	b.mu.Lock()
	b.closed = true
	b.init()
	b.mu.Unlock()
	return waitGroupOrDone(ctx, &b.wg)
}

// waitGroupOrDone waits for wg or ctx, whichever ends first.
func waitGroupOrDone(ctx context.Context, wg *sync.WaitGroup) error {
	waited := make(chan struct{})
	go func() {
		wg.Wait()
		close(waited)
	}()
	select {
	case <-waited:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// shutdown refuses new jobs, cancels the running ones and waits for them until ctx ends.
func (b *backgroundJobs) shutdown(ctx context.Context) error {
	b.mu.Lock()
	b.closed = true
	b.init()
	b.mu.Unlock()
	b.cancel(errShuttingDown)
	return waitGroupOrDone(ctx, &b.wg)
}

// Drain lets the async jobs already running (a community link batch with ?async=true) finish,
// until ctx ends, while later async requests are refused with 503. It cancels nothing: Shutdown
// or Close does that to whatever is still running afterwards.
func (s *Server) Drain(ctx context.Context) error {
	return s.background.drain(ctx)
}

// Shutdown cancels the async jobs still running and waits, until ctx ends, for each to record
// itself as interrupted with the progress it made. Later async requests are refused with 503.
// Call it before the sessions and the database close, since jobs use both until they stop.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.background.shutdown(ctx)
}

// Close is Shutdown with a bounded wait; a job that ignores its cancellation for longer is left
// to InterruptRunningJobs at the next boot.
func (s *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		s.log.Warn("async jobs did not stop in time", "err", err)
	}
}
