package e2e

import (
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"
)

// crashPlan returns how many kills a crash test makes (defaultRounds unless SWITCHBOARD_CRASH_N
// says otherwise) and the random source that picks their moments. SWITCHBOARD_CRASH_N raises the
// count (the reliability suite's long form uses 20);
// SWITCHBOARD_CRASH_SEED replays the choices of a failed run, whose seed every run logs. The
// choices replay exactly; the kill itself lands wherever the child happens to be at that
// instant, which is the point of the test.
func crashPlan(t *testing.T, defaultRounds int) (rounds int, rng *rand.Rand) {
	t.Helper()
	if testing.Short() {
		t.Skip("crash safety runs `switchboard serve` as a child process and kills it repeatedly; skipped under -short")
	}
	rounds = envInt(t, "SWITCHBOARD_CRASH_N", defaultRounds)
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("SWITCHBOARD_CRASH_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("SWITCHBOARD_CRASH_SEED=%q: want an unsigned integer", v)
		}
		seed = s
	}
	t.Logf("crash plan: %d kills, SWITCHBOARD_CRASH_SEED=%d", rounds, seed)
	return rounds, rand.New(rand.NewPCG(seed, seed^0x5eed))
}

// randDuration picks a duration in [0, d) from rng (math/rand/v2's generic N uses the global
// source, which no seed replays).
func randDuration(rng *rand.Rand, d time.Duration) time.Duration {
	return time.Duration(rng.Int64N(int64(d)))
}
