package httpapi

import "context"

// progressKey carries a running job's progress reporter in the handler's context.
type progressKey struct{}

// reportProgress records how far a bulk handler has come, for GET /api/job/get while the
// request runs as an async job. Outside a job (a synchronous call) it does nothing, so handlers
// call it unconditionally.
func reportProgress(ctx context.Context, done, total int) {
	if f, ok := ctx.Value(progressKey{}).(func(done, total int)); ok {
		f(done, total)
	}
}
