package httpapi

import "context"

// progressKey carries a running job's progress reporter in the handler's context.
type progressKey struct{}

// progressFunc receives a handler's reports; jobs.go installs one for each async job.
type progressFunc func(done, total int)

// reportProgress records how far a bulk handler has come, for GET /api/job/get while the
// request runs as an async job. Outside a job (a synchronous call) it does nothing, so handlers
// call it unconditionally.
//
// Call it once with done=0 as soon as the request is validated and the total is known, before
// the first WhatsApp write, then after each item: the first report is what lets an async
// request answer 202 (until then a failure is answered directly, as without async), and each
// report is written to the database before reportProgress returns, so a client polling the job,
// or reading it after a crash, sees at least that much.
func reportProgress(ctx context.Context, done, total int) {
	if f, ok := ctx.Value(progressKey{}).(progressFunc); ok {
		f(done, total)
	}
}
