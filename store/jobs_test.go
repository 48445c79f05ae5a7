package store_test

import (
	"testing"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

func TestJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acc, _ := newAccount(t, s, "acme", 0)
		inst, _ := newInstance(t, s, acc.ID, "sales")
		other, _ := newInstance(t, s, acc.ID, "support")

		job := &switchboard.Job{InstanceID: inst.ID, Kind: "community.link", Total: 10}
		must(t, "CreateJob", s.CreateJob(ctx(t), job))
		if len(job.ID) != 32 || job.Status != switchboard.JobRunning || job.CreatedAt.IsZero() || !job.UpdatedAt.Equal(job.CreatedAt) {
			t.Fatalf("CreateJob filled %+v", job)
		}
		got, err := s.JobByID(ctx(t), inst.ID, job.ID)
		must(t, "JobByID", err)
		if got.ID != job.ID || got.Kind != job.Kind || got.Status != switchboard.JobRunning || got.Total != 10 ||
			got.Done != 0 || got.Result != nil || !got.CreatedAt.Equal(job.CreatedAt) {
			t.Fatalf("JobByID = %+v, want %+v", got, job)
		}
		_, err = s.JobByID(ctx(t), other.ID, job.ID)
		wantIs(t, "another instance's job", err, switchboard.ErrNotFound)
		_, err = s.JobByID(ctx(t), inst.ID, "nope")
		wantIs(t, "unknown job", err, switchboard.ErrNotFound)

		named := &switchboard.Job{ID: "job-fixed", InstanceID: inst.ID, Kind: "k"}
		must(t, "CreateJob with id", s.CreateJob(ctx(t), named))
		err = s.CreateJob(ctx(t), &switchboard.Job{ID: "job-fixed", InstanceID: inst.ID, Kind: "k"})
		if !switchboard.IsCode(err, switchboard.CodeConflict) {
			t.Fatalf("duplicate job id: %v, want conflict", err)
		}
		wantIs(t, "job of unknown instance", s.CreateJob(ctx(t), &switchboard.Job{InstanceID: 1 << 40, Kind: "k"}), switchboard.ErrNotFound)

		must(t, "progress", s.UpdateJobProgress(ctx(t), job.ID, 4, 10, []byte(`{"linked":4}`)))
		must(t, "progress without partial", s.UpdateJobProgress(ctx(t), job.ID, 5, 12, nil))
		got, err = s.JobByID(ctx(t), inst.ID, job.ID)
		must(t, "JobByID", err)
		if got.Done != 5 || got.Total != 12 || string(got.Result) != `{"linked":4}` || got.Status != switchboard.JobRunning {
			t.Fatalf("after progress: %+v (nil partial must keep the last one)", got)
		}

		must(t, "FinishJob", s.FinishJob(ctx(t), job.ID, switchboard.JobDone, []byte(`{"linked":10}`)))
		got, err = s.JobByID(ctx(t), inst.ID, job.ID)
		must(t, "JobByID", err)
		if got.Status != switchboard.JobDone || string(got.Result) != `{"linked":10}` || got.UpdatedAt.Before(got.CreatedAt) {
			t.Fatalf("after finish: %+v", got)
		}

		// A finished job keeps its outcome.
		wantIs(t, "progress after finish", s.UpdateJobProgress(ctx(t), job.ID, 6, 12, nil), store.ErrJobFinished)
		wantIs(t, "finish twice", s.FinishJob(ctx(t), job.ID, switchboard.JobFailed, nil), store.ErrJobFinished)
		wantIs(t, "progress unknown", s.UpdateJobProgress(ctx(t), "nope", 1, 1, nil), switchboard.ErrNotFound)
		wantIs(t, "finish unknown", s.FinishJob(ctx(t), "nope", switchboard.JobDone, nil), switchboard.ErrNotFound)
		if err := s.FinishJob(ctx(t), named.ID, switchboard.JobRunning, nil); err == nil {
			t.Fatal("FinishJob accepted status running")
		}
		if err := s.FinishJob(ctx(t), named.ID, "weird", nil); err == nil {
			t.Fatal("FinishJob accepted an unknown status")
		}
	})
}

func TestInterruptRunningJobs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		acc, _ := newAccount(t, s, "acme", 0)
		inst, _ := newInstance(t, s, acc.ID, "sales")
		n, err := s.InterruptRunningJobs(ctx(t))
		must(t, "InterruptRunningJobs on empty", err)
		if n != 0 {
			t.Fatalf("interrupted %d jobs of none", n)
		}
		var running []*switchboard.Job
		for i := range 3 {
			j := &switchboard.Job{InstanceID: inst.ID, Kind: "link", Total: 2}
			must(t, "CreateJob", s.CreateJob(ctx(t), j))
			must(t, "UpdateJobProgress", s.UpdateJobProgress(ctx(t), j.ID, i, 5, nil))
			j.Done, j.Total = i, 5
			running = append(running, j)
		}
		done := &switchboard.Job{InstanceID: inst.ID, Kind: "link"}
		must(t, "CreateJob", s.CreateJob(ctx(t), done))
		must(t, "FinishJob", s.FinishJob(ctx(t), done.ID, switchboard.JobFailed, []byte("x")))

		n, err = s.InterruptRunningJobs(ctx(t))
		must(t, "InterruptRunningJobs", err)
		if n != 3 {
			t.Fatalf("interrupted %d jobs, want 3", n)
		}
		for _, j := range running {
			got, err := s.JobByID(ctx(t), inst.ID, j.ID)
			must(t, "JobByID", err)
			if got.Status != switchboard.JobInterrupted || got.Done != j.Done || got.Total != j.Total {
				t.Fatalf("job %s is %s %d/%d, want interrupted %d/%d (progress kept)", j.ID, got.Status, got.Done, got.Total, j.Done, j.Total)
			}
		}
		got, err := s.JobByID(ctx(t), inst.ID, done.ID)
		must(t, "JobByID", err)
		if got.Status != switchboard.JobFailed {
			t.Fatalf("finished job became %s", got.Status)
		}
		n, err = s.InterruptRunningJobs(ctx(t))
		must(t, "InterruptRunningJobs again", err)
		if n != 0 {
			t.Fatalf("second call interrupted %d", n)
		}
	})
}
