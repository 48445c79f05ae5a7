package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// gatewayProc is one run of `switchboard serve` as a child process, connected to the
// simulator of this process.
type gatewayProc struct {
	cmd     *exec.Cmd
	api     *apiClient
	log     *logWatch
	exited  chan struct{}
	waitErr error
	started time.Time
}

// gatewayEnv is the child's environment: this process's, minus every SWITCHBOARD_* setting (a
// run must not depend on the shell it was started from), plus the lifted rate limits and the
// given extras.
func gatewayEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SWITCHBOARD_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"SWITCHBOARD_RATE_LIMIT="+strconv.Itoa(liftedRateLimit),
		"SWITCHBOARD_RATE_LIMIT_CREATE="+strconv.Itoa(liftedRateLimit),
		"SWITCHBOARD_WASIM_TOKEN="+benchControlToken,
	)
	return append(env, extra...)
}

// startGateway runs the gateway on the database dsn (sqlite:PATH) and waits until it listens
// and answers /health. logPath receives its log (JSON lines) as well.
func (e *benchEnv) startGateway(ctx context.Context, dsn, logPath string, extraEnv ...string) (*gatewayProc, error) {
	return e.startGatewayAt(ctx, dsn, "127.0.0.1:0", logPath, extraEnv...)
}

// startGatewayAt is startGateway listening on addr (a cluster node's address is known before it
// starts: the node announces it to the others).
func (e *benchEnv) startGatewayAt(ctx context.Context, dsn, listen, logPath string, extraEnv ...string) (*gatewayProc, error) {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(e.bin, "serve", "--sandbox-url", e.sim.URL(), "--db", dsn, "--addr", listen)
	cmd.Env = gatewayEnv(extraEnv...)
	cmd.SysProcAttr = childProcAttr()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		logFile.Close()
		return nil, err
	}
	g := &gatewayProc{cmd: cmd, log: newLogWatch(logFile), exited: make(chan struct{}), started: time.Now()}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	go func() {
		g.log.consume(stderr)
		g.waitErr = cmd.Wait()
		logFile.Close()
		close(g.exited)
	}()
	wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	listening, err := g.waitLog(wctx, "switchboard listening")
	if err != nil {
		g.kill()
		return nil, fmt.Errorf("the gateway did not start: %w\n%s", err, g.log.tail())
	}
	addr, _ := listening["addr"].(string)
	if addr == "" {
		g.kill()
		return nil, errors.New("the gateway logged no listening address")
	}
	g.api = newAPIClient("http://" + addr)
	if err := g.api.waitHealthy(wctx); err != nil {
		g.kill()
		return nil, err
	}
	return g, nil
}

// pid is the gateway's process id, for /proc.
func (g *gatewayProc) pid() int { return g.cmd.Process.Pid }

// waitLog waits for the gateway's first log line with this message, failing if it exits first.
func (g *gatewayProc) waitLog(ctx context.Context, msg string) (map[string]any, error) {
	select {
	case <-g.log.seen(msg):
		return g.log.first(msg), nil
	case <-g.exited:
		if fields := g.log.first(msg); fields != nil {
			return fields, nil // logged just before the exit
		}
		return nil, fmt.Errorf("the gateway exited (%v) before logging %q", g.waitErr, msg)
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for the gateway to log %q: %w", msg, ctx.Err())
	}
}

// stop sends SIGTERM, as an operator or a supervisor would, and waits for the exit. The gateway
// then disconnects every session cleanly; they stay paired.
func (g *gatewayProc) stop() (time.Duration, error) {
	begin := time.Now()
	if err := g.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return 0, err
	}
	select {
	case <-g.exited:
		took := time.Since(begin)
		if g.waitErr != nil {
			return took, fmt.Errorf("the gateway exited with %v\n%s", g.waitErr, g.log.tail())
		}
		return took, nil
	case <-time.After(2 * time.Minute):
		g.kill()
		return 0, errors.New("the gateway did not stop within 2 minutes of SIGTERM")
	}
}

// kill ends the gateway at once (cleanup after a failure).
func (g *gatewayProc) kill() {
	select {
	case <-g.exited:
		return
	default:
	}
	_ = g.cmd.Process.Kill()
	<-g.exited
}

// createAccount runs `switchboard account create` on the database, as the README does, and
// returns the account token.
func (e *benchEnv) createAccount(ctx context.Context, dsn string) (string, error) {
	cmd := exec.CommandContext(ctx, e.bin, "account", "create", "--name", "bench", "--db", dsn)
	cmd.Env = gatewayEnv()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("account create: %w\n%s", err, stderr.String())
	}
	var created struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(out, &created); err != nil || created.Token == "" {
		return "", fmt.Errorf("account create printed %q", out)
	}
	return created.Token, nil
}
