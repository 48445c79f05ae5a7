package switchboard

import (
	"context"
	"time"
)

// Job is an asynchronous bulk operation (link, unlink, community create).
type Job struct {
	ID         string
	InstanceID int64
	Kind       string
	Status     JobStatus
	Done       int
	Total      int
	Result     []byte // the body the synchronous call would have returned, once finished
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// JobStatus is a job's lifecycle state.
type JobStatus string

const (
	JobRunning     JobStatus = "running"
	JobDone        JobStatus = "done"
	JobFailed      JobStatus = "failed"
	JobInterrupted JobStatus = "interrupted" // the process stopped while the job ran
)

// JobStore persists async jobs. Besides the errors named below, any method may return a wrapped
// database error.
type JobStore interface {
	// CreateJob inserts a running job: ErrNotFound for an unknown instance, CodeConflict for an
	// id already used.
	CreateJob(ctx context.Context, j *Job) error
	// UpdateJobProgress records done of total items; a non-nil partial replaces the result.
	// ErrNotFound for an unknown job, CodeConflict once the job has ended (another process, or a
	// boot's InterruptRunningJobs, closed it).
	UpdateJobProgress(ctx context.Context, id string, done, total int, partial []byte) error
	// FinishJob records the job's end, with the same errors as UpdateJobProgress.
	FinishJob(ctx context.Context, id string, status JobStatus, result []byte) error
	// JobByID finds a job of one instance: ErrNotFound for another instance's job too.
	JobByID(ctx context.Context, instanceID int64, id string) (*Job, error)
	// InterruptRunningJobs marks every job still running as interrupted (called at boot).
	InterruptRunningJobs(ctx context.Context) (int, error)
}
