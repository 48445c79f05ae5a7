package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/switchboard/switchboard/wasim"
)

// liftedRateLimit is the per-minute budget given to both rate-limit buckets during a benchmark:
// far above anything a run sends, so the limiter is still on the request path (its cost is part
// of the measure) but never refuses.
const liftedRateLimit = 1_000_000_000

// benchControlToken is the simulator's control secret for this run's gateways (loopback only).
const benchControlToken = "switchboard-bench-control"

// benchEnv is what every scenario shares: options, a working directory, the gateway binary and
// the simulator every client talks to.
type benchEnv struct {
	opts      options
	dir       string
	bin       string
	sim       *wasim.Server
	started   time.Time
	loadStart string // the machine's load average when the run began
}

func newBenchEnv(ctx context.Context, opts options) (_ *benchEnv, err error) {
	e := &benchEnv{opts: opts, started: time.Now(), loadStart: loadAverage()}
	defer func() {
		if err != nil {
			e.Close()
		}
	}()
	if e.dir, err = os.MkdirTemp("", "switchboard-bench-"); err != nil {
		return nil, err
	}
	if e.bin = opts.binary; e.bin == "" {
		e.bin = filepath.Join(e.dir, "switchboard")
		progress("building the gateway: go build -o %s ./cmd/switchboard", e.bin)
		build := exec.CommandContext(ctx, "go", "build", "-o", e.bin, "github.com/switchboard/switchboard/cmd/switchboard")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return nil, fmt.Errorf("building the gateway: %w", err)
		}
	}
	// Tracing off: the simulator is not under test, and a full trace ring would only add noise.
	// The gateway drives the simulator's control API (scans, users), which needs a secret.
	if e.sim, err = wasim.New(wasim.Config{TraceSize: -1, ControlToken: benchControlToken}); err != nil {
		return nil, err
	}
	if err := e.sim.Listen("127.0.0.1:0"); err != nil {
		return nil, err
	}
	// Bare clients of this process (the link baseline) must trust the simulator too.
	wasim.InstallTrustRoot(e.sim.RootPublicKey())
	return e, nil
}

// Close stops the simulator and removes the working directory unless -keep was given.
func (e *benchEnv) Close() {
	if e.sim != nil {
		_ = e.sim.Close()
	}
	if e.dir == "" {
		return
	}
	if e.opts.keep {
		progress("kept the working directory %s", e.dir)
		return
	}
	_ = os.RemoveAll(e.dir)
}

// path is a file in the working directory.
func (e *benchEnv) path(name string) string { return filepath.Join(e.dir, name) }

// header says what ran where, for the top of the table.
func (e *benchEnv) header() []string {
	return []string{
		"command:  " + commandLine(),
		"date:     " + e.started.UTC().Format(time.RFC3339),
		"machine:  " + machineSummary(),
		"load:     " + fmt.Sprintf("load average %s at the start, %s at the end (1, 5, 15 min)", e.loadStart, loadAverage()),
		fmt.Sprintf("gateway:  rate limits lifted by configuration (SWITCHBOARD_RATE_LIMIT=%d, SWITCHBOARD_RATE_LIMIT_CREATE=%d)", liftedRateLimit, liftedRateLimit),
	}
}

// commandLine is how to run this measurement again.
func commandLine() string {
	return strings.TrimSpace("go run ./cmd/switchboard-bench " + strings.Join(os.Args[1:], " "))
}

// progress reports what the benchmark is doing, on stderr, so stdout holds only the results.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
