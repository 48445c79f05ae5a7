package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// RSS sampling. Neither the gateway nor the baseline has a way to force a garbage collection
// from outside, and the comparison must treat both alike, so neither is asked to: after a settle
// period with no work, the resident set is sampled rssSamples times rssEvery apart and the
// smallest sample is kept. By then the pairing garbage has mostly been collected and the Go
// scavenger has returned most of the freed pages; the minimum drops a sample caught during a
// late collection's peak.
const (
	rssSamples = 5
	rssEvery   = time.Second
)

// readRSS is the resident set of a process, in bytes (VmRSS of /proc/PID/status).
func readRSS(pid int) (uint64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return parseKB(rest)
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no VmRSS", pid)
}

// parseKB reads "  123456 kB".
func parseKB(s string) (uint64, error) {
	f := strings.Fields(s)
	if len(f) != 2 || f[1] != "kB" {
		return 0, fmt.Errorf("unexpected VmRSS value %q", s)
	}
	kb, err := strconv.ParseUint(f[0], 10, 64)
	return kb * 1024, err
}

// settledRSS waits settle, then returns the smallest of rssSamples samples.
func settledRSS(ctx context.Context, pid int, settle time.Duration) (uint64, error) {
	if err := sleep(ctx, settle); err != nil {
		return 0, err
	}
	var lowest uint64
	for i := range rssSamples {
		if i > 0 {
			if err := sleep(ctx, rssEvery); err != nil {
				return 0, err
			}
		}
		rss, err := readRSS(pid)
		if err != nil {
			return 0, err
		}
		if i == 0 || rss < lowest {
			lowest = rss
		}
	}
	return lowest, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
