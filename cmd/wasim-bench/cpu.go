package main

import (
	"syscall"
	"time"
)

// cpuTime is the CPU (user + system) this process has used so far. On a shared machine the
// wall-clock rate depends on what else runs; CPU per message does not, so the messages mode
// reports both (the simulator's CPU comes from the child's /bench/mem).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
