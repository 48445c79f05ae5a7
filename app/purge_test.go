package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/app"
	"github.com/switchboard/switchboard/store/storetest"
)

// TestBackgroundPurge runs the gateway (without the sandbox: this binary must leave whatsmeow's
// trust root alone, see TestOnlySandboxTrustsTheSimulator) with a short job retention and purge
// interval: without any request arriving, the finished job and the Idempotency-Key record past
// its lifetime are deleted, and the running job and a fresh key are kept.
func TestBackgroundPurge(t *testing.T) {
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a, err := app.New(ctx, app.Config{DSN: dsn, JobRetention: 50 * time.Millisecond, PurgeInterval: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		st := a.Store()
		acc, err := st.CreateAccount(ctx, "alice", 0, switchboard.HashToken(switchboard.NewToken(switchboard.AccountTokenPrefix)))
		if err != nil {
			t.Fatal(err)
		}
		inst := &switchboard.Instance{AccountID: acc.ID, Name: "shop", Settings: switchboard.DefaultSettings()}
		if err := st.CreateInstance(ctx, inst, switchboard.HashToken(switchboard.NewToken(switchboard.InstanceTokenPrefix)), 0); err != nil {
			t.Fatal(err)
		}
		finished := &switchboard.Job{InstanceID: inst.ID, Kind: "k"}
		running := &switchboard.Job{InstanceID: inst.ID, Kind: "k"}
		for _, j := range []*switchboard.Job{finished, running} {
			if err := st.CreateJob(ctx, j); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.FinishJob(ctx, finished.ID, switchboard.JobDone, nil); err != nil {
			t.Fatal(err)
		}
		for key, created := range map[string]time.Time{"old": time.Now().Add(-25 * time.Hour), "fresh": time.Now()} {
			if _, _, err := st.BeginIdempotent(ctx, switchboard.IdempotencyRecord{
				Key: key, AccountID: acc.ID, Route: "r", RequestHash: "h", CreatedAt: created}); err != nil {
				t.Fatal(err)
			}
		}

		deadline := time.Now().Add(time.Minute)
		for {
			_, jobErr := st.JobByID(ctx, inst.ID, finished.ID)
			var keys []string
			rows, err := st.DB().QueryContext(ctx, `SELECT key FROM idempotency_keys ORDER BY key`)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var k string
				if err := rows.Scan(&k); err != nil {
					t.Fatal(err)
				}
				keys = append(keys, k)
			}
			rows.Close()
			if switchboard.IsCode(jobErr, switchboard.CodeNotFound) && len(keys) == 1 && keys[0] == "fresh" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("not purged: finished job error %v, idempotency keys %v", jobErr, keys)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if _, err := st.JobByID(ctx, inst.ID, running.ID); err != nil {
			t.Fatalf("running job purged: %v", err)
		}
	})
}
