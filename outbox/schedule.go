package outbox

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// DefaultSchedule is Standard Webhooks' retry schedule: the delay before each attempt, the first
// immediate; after the last attempt fails the delivery is dead (about 3 days in all).
var DefaultSchedule = []time.Duration{
	0, 5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour,
	10 * time.Hour, 14 * time.Hour, 20 * time.Hour, 24 * time.Hour,
}

// ParseSchedule reads SWITCHBOARD_WEBHOOK_RETRY_SCHEDULE: comma-separated Go durations, one per
// attempt ("0s,5s,5m").
func ParseSchedule(s string) ([]time.Duration, error) {
	var out []time.Duration
	for _, part := range strings.Split(s, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(part))
		if err != nil || d < 0 {
			return nil, fmt.Errorf("retry schedule %q: each entry must be a non-negative Go duration such as 5s or 2h", s)
		}
		out = append(out, d)
	}
	return out, nil
}

// jitter spreads d by ±20 %, so receivers coming back after an outage are not hit by every
// gateway's retries in the same second.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}
