package store_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestConcurrentReadersAndWriters mixes what a busy gateway does at once: request lookups,
// instance and job writes, idempotency records and whatsmeow saving Signal state, all on the
// shared pool. Every call must succeed: no SQLITE_BUSY, no deadlock (the test context would end
// it), on both engines and under the race detector.
func TestConcurrentReadersAndWriters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		container, err := s.Whatsmeow(ctx(t), nil)
		must(t, "Whatsmeow", err)
		acc, _ := newAccount(t, s, "acme", 0)
		seed, seedToken := newInstance(t, s, acc.ID, "seed")
		seedHash := switchboard.HashToken(seedToken)

		const workers, rounds = 4, 15
		var wg sync.WaitGroup
		errs := make(chan error, 4*workers*rounds)
		run := func(fn func(w, r int) error) {
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for r := range rounds {
						if err := fn(w, r); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
		}
		run(func(w, r int) error { // writers: instances, settings, jobs
			inst := &switchboard.Instance{AccountID: acc.ID, Name: fmt.Sprintf("w%d-%d", w, r), Settings: switchboard.DefaultSettings()}
			if err := s.CreateInstance(ctx(t), inst, switchboard.HashToken(switchboard.NewToken("sbi_")), 0); err != nil {
				return fmt.Errorf("create: %w", err)
			}
			if err := s.SetSettings(ctx(t), inst.ID, switchboard.Settings{KeepOnlineStatus: r%2 == 0}); err != nil {
				return fmt.Errorf("settings: %w", err)
			}
			job := &switchboard.Job{InstanceID: inst.ID, Kind: "link", Total: 1}
			if err := s.CreateJob(ctx(t), job); err != nil {
				return fmt.Errorf("job: %w", err)
			}
			return s.FinishJob(ctx(t), job.ID, switchboard.JobDone, []byte("{}"))
		})
		run(func(w, r int) error { // readers: what every request does
			if _, err := s.InstanceByTokenHash(ctx(t), seedHash); err != nil {
				return fmt.Errorf("lookup: %w", err)
			}
			if _, err := s.ListInstances(ctx(t), acc.ID); err != nil {
				return fmt.Errorf("list: %w", err)
			}
			_, err := s.InstanceByName(ctx(t), acc.ID, seed.Name)
			return err
		})
		run(func(w, r int) error { // idempotency, including the in-transaction read
			key := fmt.Sprintf("k%d-%d", w, r%5)
			_, created, err := s.BeginIdempotent(ctx(t), switchboard.IdempotencyRecord{AccountID: acc.ID, Key: key, Route: "r", RequestHash: "h"})
			if err != nil {
				return fmt.Errorf("begin: %w", err)
			}
			if created {
				return s.FinishIdempotent(ctx(t), acc.ID, key, 200, []byte("ok"))
			}
			return nil
		})
		run(func(w, r int) error { // whatsmeow: device rows and Signal sessions
			return saveDevice(ctx(t), container, fmt.Sprintf("55119%03d%04d", w, r))
		})
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		devices, err := container.GetAllDevices(ctx(t))
		must(t, "GetAllDevices", err)
		if len(devices) != workers*rounds {
			t.Fatalf("%d devices saved, want %d", len(devices), workers*rounds)
		}
	})
}
