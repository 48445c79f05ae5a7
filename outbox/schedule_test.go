package outbox

import (
	"testing"
	"time"
)

func TestParseSchedule(t *testing.T) {
	got, err := ParseSchedule("0s, 5s,5m,2h")
	if err != nil || len(got) != 4 || got[1] != 5*time.Second || got[3] != 2*time.Hour {
		t.Fatalf("ParseSchedule = %v, %v", got, err)
	}
	for _, bad := range []string{"", "5", "1s,,2s", "-1s", "soon"} {
		if _, err := ParseSchedule(bad); err == nil {
			t.Errorf("ParseSchedule(%q) accepted", bad)
		}
	}
}

func TestJitterWithinTwentyPercent(t *testing.T) {
	if jitter(0) != 0 {
		t.Fatal("jitter(0) != 0")
	}
	lo, hi := time.Hour, time.Duration(0)
	for range 2000 {
		d := jitter(time.Hour)
		lo, hi = min(lo, d), max(hi, d)
	}
	if lo < 48*time.Minute || hi > 72*time.Minute || hi-lo < 10*time.Minute {
		t.Fatalf("jitter(1h) spans [%v, %v], want within ±20%% and actually spread", lo, hi)
	}
}
