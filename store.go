package switchboard

import (
	"context"
	"time"
)

// AccountStore persists accounts. Lookups by token take the token's hash, never the token.
type AccountStore interface {
	CreateAccount(ctx context.Context, name string, maxInstances int, tokenHash string) (*Account, error)
	AccountByTokenHash(ctx context.Context, tokenHash string) (*Account, error)
}

// InstanceStore persists instances. Every lookup that serves a request is scoped by account.
type InstanceStore interface {
	// CreateInstance inserts inst (filling ID and CreatedAt) in one transaction that enforces the
	// account's quota (ErrQuotaExceeded), the name's uniqueness in the account (ErrDuplicateName)
	// and the token hash's uniqueness (ErrDuplicateTok).
	CreateInstance(ctx context.Context, inst *Instance, tokenHash string, maxInstances int) error
	InstanceByTokenHash(ctx context.Context, tokenHash string) (*Instance, error)
	InstanceByName(ctx context.Context, accountID int64, name string) (*Instance, error)
	InstanceByID(ctx context.Context, id int64) (*Instance, error)
	ListInstances(ctx context.Context, accountID int64) ([]*Instance, error)
	// AutoConnectInstances lists every instance, of every account, to reconnect at boot.
	AutoConnectInstances(ctx context.Context) ([]*Instance, error)
	DeleteInstance(ctx context.Context, id int64) error
	// RotateInstanceToken replaces the instance's token hash; the old token stops working at once
	// (ErrDuplicateTok if the new hash names another account or instance).
	RotateInstanceToken(ctx context.Context, id int64, tokenHash string) error
	// SetSession records the paired device and whether the instance should reconnect at boot.
	SetSession(ctx context.Context, id int64, deviceJID string, autoConnect, loggedOut bool) error
	SetSettings(ctx context.Context, id int64, s Settings) error
	SetProxy(ctx context.Context, id int64, p Proxy) error
}

// IdempotencyRecord is a stored response to a request that carried an Idempotency-Key.
type IdempotencyRecord struct {
	Key         string
	AccountID   int64
	Route       string
	RequestHash string
	Status      int    // 0 while the first request is still running
	Body        []byte // the response body to replay
	CreatedAt   time.Time
}

// IdempotencyStore keeps Idempotency-Key records for 24 hours.
type IdempotencyStore interface {
	// BeginIdempotent inserts a running record, or returns the existing one (created=false).
	BeginIdempotent(ctx context.Context, rec IdempotencyRecord) (existing *IdempotencyRecord, created bool, err error)
	FinishIdempotent(ctx context.Context, accountID int64, key string, status int, body []byte) error
	// AbandonIdempotent removes a running record whose request failed before doing anything.
	AbandonIdempotent(ctx context.Context, accountID int64, key string) error
	PurgeIdempotent(ctx context.Context, olderThan time.Time) error
}

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

// JobStore persists async jobs.
type JobStore interface {
	CreateJob(ctx context.Context, j *Job) error
	// UpdateJobProgress records done of total items; a non-nil partial replaces the result.
	UpdateJobProgress(ctx context.Context, id string, done, total int, partial []byte) error
	FinishJob(ctx context.Context, id string, status JobStatus, result []byte) error
	JobByID(ctx context.Context, instanceID int64, id string) (*Job, error)
	// InterruptRunningJobs marks every job still running as interrupted (called at boot).
	InterruptRunningJobs(ctx context.Context) (int, error)
}
