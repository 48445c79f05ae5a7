package store_test

import (
	"testing"
	"time"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestPurgeJobs deletes finished jobs older than the cut-off and keeps running ones, and
// recent ones, on both engines.
func TestPurgeJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acc, _ := newAccount(t, s, "acme", 0)
		inst, _ := newInstance(t, s, acc.ID, "sales")
		var finished []string
		for _, status := range []switchboard.JobStatus{switchboard.JobDone, switchboard.JobFailed, switchboard.JobInterrupted} {
			j := &switchboard.Job{InstanceID: inst.ID, Kind: "k"}
			must(t, "CreateJob", s.CreateJob(ctx(t), j))
			must(t, "FinishJob", s.FinishJob(ctx(t), j.ID, status, nil))
			finished = append(finished, j.ID)
		}
		running := &switchboard.Job{InstanceID: inst.ID, Kind: "k"}
		must(t, "CreateJob", s.CreateJob(ctx(t), running))

		n, err := s.PurgeJobs(ctx(t), time.Now().Add(-time.Hour))
		must(t, "PurgeJobs (nothing old enough)", err)
		if n != 0 {
			t.Fatalf("purged %d jobs updated within the last hour, want 0", n)
		}
		n, err = s.PurgeJobs(ctx(t), time.Now().Add(time.Hour))
		must(t, "PurgeJobs", err)
		if n != len(finished) {
			t.Fatalf("purged %d jobs, want the %d finished ones", n, len(finished))
		}
		for _, id := range finished {
			_, err := s.JobByID(ctx(t), inst.ID, id)
			wantIs(t, "purged job", err, switchboard.ErrNotFound)
		}
		if _, err := s.JobByID(ctx(t), inst.ID, running.ID); err != nil {
			t.Fatalf("running job purged: %v", err)
		}
	})
}
