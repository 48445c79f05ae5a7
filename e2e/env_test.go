package e2e

import (
	"os"
	"strconv"
	"testing"
)

// envInt reads a positive integer knob of the long test variants (SWITCHBOARD_CRASH_N,
// SWITCHBOARD_BADINPUT_N...), def when it is unset.
func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}
