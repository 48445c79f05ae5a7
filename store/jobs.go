package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/switchboard/switchboard"
)

var _ switchboard.JobStore = (*Store)(nil)

// ErrJobFinished is returned when progress or a result is written to a job that is no longer
// running: a finished or interrupted job keeps the outcome it was given first.
var ErrJobFinished = &switchboard.Error{Code: switchboard.CodeConflict, Message: "Job is no longer running"}

// CreateJob inserts j. An empty ID is filled with a random one and an empty Status with
// JobRunning; CreatedAt and UpdatedAt are set to now. An unknown instance is ErrNotFound.
func (s *Store) CreateJob(ctx context.Context, j *switchboard.Job) error {
	if j.ID == "" {
		j.ID = newJobID()
	}
	if j.Status == "" {
		j.Status = switchboard.JobRunning
	}
	if !validJobStatus(j.Status) {
		return fmt.Errorf("store: create job: unknown status %q", j.Status)
	}
	created := now()
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO jobs (id, instance_id, kind, status, done, total, result, created_at, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
		j.ID, j.InstanceID, j.Kind, string(j.Status), j.Done, j.Total, nullBytes(j.Result), millis(created))
	switch {
	case err == nil:
		j.CreatedAt, j.UpdatedAt = created, created
		return nil
	case violates(err, foreignKeyViolation, ""):
		return switchboard.ErrNotFound
	case violates(err, uniqueViolation, ""):
		return switchboard.Wrap(switchboard.CodeConflict, "Job already exists", err)
	default:
		return fmt.Errorf("store: create job: %w", err)
	}
}

// UpdateJobProgress records how many of how many items a running job has done; the total is
// only known once the handler has validated its request, so it travels with each report. A
// non-nil partial replaces the stored result (the body so far); nil keeps it. Every report is
// written at once, so a job cut short by a crash still shows how far it came.
func (s *Store) UpdateJobProgress(ctx context.Context, id string, done, total int, partial []byte) error {
	res, err := s.db.ExecContext(ctx,
		`UPDATE jobs SET done = $2, total = $3, result = COALESCE($4, result), updated_at = $5
		 WHERE id = $1 AND status = 'running'`,
		id, done, total, nullBytes(partial), millis(now()))
	return s.jobUpdated(ctx, "update job progress", id, res, err)
}

// FinishJob moves a running job to a final status (done, failed or interrupted) with its result.
func (s *Store) FinishJob(ctx context.Context, id string, status switchboard.JobStatus, result []byte) error {
	if status == switchboard.JobRunning || !validJobStatus(status) {
		return fmt.Errorf("store: finish job: %q is not a final status", status)
	}
	res, err := s.db.ExecContext(ctx,
		`UPDATE jobs SET status = $2, result = $3, updated_at = $4 WHERE id = $1 AND status = 'running'`,
		id, string(status), nullBytes(result), millis(now()))
	return s.jobUpdated(ctx, "finish job", id, res, err)
}

// jobUpdated turns "no running job matched" into ErrNotFound or ErrJobFinished.
func (s *Store) jobUpdated(ctx context.Context, op, id string, res sql.Result, err error) error {
	err = rowsChanged(res, err, switchboard.ErrNotFound)
	if !errors.Is(err, switchboard.ErrNotFound) {
		return wrapUnlessNotFound(op, err)
	}
	var exists bool
	if err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM jobs WHERE id = $1)`, id).Scan(&exists); err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	if exists {
		return ErrJobFinished
	}
	return switchboard.ErrNotFound
}

// JobByID finds a job of one instance; another instance's job is ErrNotFound.
func (s *Store) JobByID(ctx context.Context, instanceID int64, id string) (*switchboard.Job, error) {
	var j switchboard.Job
	var status string
	var created, updated int64
	err := s.db.QueryRowContext(ctx,
		`SELECT id, instance_id, kind, status, done, total, result, created_at, updated_at
		 FROM jobs WHERE id = $1 AND instance_id = $2`, id, instanceID).
		Scan(&j.ID, &j.InstanceID, &j.Kind, &status, &j.Done, &j.Total, &j.Result, &created, &updated)
	if isNoRows(err) {
		return nil, switchboard.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: read job: %w", err)
	}
	j.Status = switchboard.JobStatus(status)
	j.CreatedAt, j.UpdatedAt = fromMillis(created), fromMillis(updated)
	return &j, nil
}

// InterruptRunningJobs marks every running job interrupted and returns how many there were. It
// is meant for boot, before any job starts: a job still running then belonged to a process that
// stopped, and its client must learn that it will not finish. Done, total and any partial result
// are kept: they say what was done before the stop.
func (s *Store) InterruptRunningJobs(ctx context.Context) (int, error) {
	res, err := s.db.ExecContext(ctx,
		`UPDATE jobs SET status = 'interrupted', updated_at = $1 WHERE status = 'running'`, millis(now()))
	if err != nil {
		return 0, fmt.Errorf("store: interrupt running jobs: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: interrupt running jobs: %w", err)
	}
	return int(n), nil
}

func validJobStatus(st switchboard.JobStatus) bool {
	switch st {
	case switchboard.JobRunning, switchboard.JobDone, switchboard.JobFailed, switchboard.JobInterrupted:
		return true
	}
	return false
}

// newJobID returns 128 random bits in hex: unguessable, so a job id leaks nothing about others.
func newJobID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("store: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}
