package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard/switchboard/app/apptest"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// The crash tests run the gateway as users do, as a separate `switchboard serve` process, because
// SIGKILL has to take down the whole process: its goroutines, its open SQLite connections and
// whatever whatsmeow had not written yet. The simulated WhatsApp stays in the test process, so
// the phone side (which devices a phone lists, which groups exist) survives every kill and
// serves as ground truth.

// childTimeout bounds every wait on the child: boot, a request, reaching a state. Generous for
// loaded CI machines under -race; a healthy run needs a small fraction of it.
const childTimeout = 30 * time.Second

var switchboardBuild struct {
	once sync.Once
	path string
	err  error
}

// switchboardBinary builds ./cmd/switchboard once per test binary. The directory is left for the
// operating system's temp cleaner: the tests that share the binary may run in any order, and
// none of them knows it is the last.
func switchboardBinary(t *testing.T) string {
	t.Helper()
	b := &switchboardBuild
	b.once.Do(func() {
		dir, err := os.MkdirTemp("", "switchboard-e2e-bin-")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(dir, "switchboard")
		cmd := exec.Command("go", "build", "-o", b.path, "./cmd/switchboard")
		cmd.Dir = ".." // the module root: this file's package is e2e/
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build ./cmd/switchboard: %v\n%s", err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// gateway is one `switchboard serve` child on a fixed address and SQLite file, restartable after
// a kill.
type gateway struct {
	t      *testing.T
	bin    string
	addr   string
	dbPath string
	simURL string
	env    []string
	client *http.Client

	cmd    *exec.Cmd
	exited chan struct{}
	logs   *apptest.LockedBuffer // stderr of every run, kept for a failure's report
}

func newGateway(t *testing.T, simURL string, env ...string) *gateway {
	t.Helper()
	g := &gateway{
		t:      t,
		bin:    switchboardBinary(t),
		addr:   freeLoopbackAddr(t),
		dbPath: filepath.Join(t.TempDir(), "sb.db"),
		simURL: simURL,
		env: append([]string{
			// Ten concurrent creates per round and polling must never meet a rate limit.
			"SWITCHBOARD_RATE_LIMIT=100000",
			"SWITCHBOARD_RATE_LIMIT_CREATE=100000",
		}, env...),
		client: &http.Client{Timeout: childTimeout},
		logs:   &apptest.LockedBuffer{},
	}
	t.Cleanup(func() {
		if g.cmd != nil {
			g.kill()
		}
		if t.Failed() {
			t.Logf("gateway logs (all runs, without the polls of the list):\n%s", tail(withoutListPolls(g.logs.String()), 200))
		}
	})
	return g
}

func (g *gateway) dsn() string  { return "sqlite:" + g.dbPath }
func (g *gateway) base() string { return "http://" + g.addr }

// start runs `switchboard serve` and waits until /health answers.
func (g *gateway) start() {
	g.t.Helper()
	if g.cmd != nil {
		g.t.Fatal("gateway already running")
	}
	fmt.Fprintf(g.logs, "----- serve (start) at %s\n", time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(g.bin, "serve", "--addr", g.addr, "--db", g.dsn(), "--sandbox-url", g.simURL)
	// The simulator's control secret travels in the environment, as a deployment would pass it.
	cmd.Env = append(append(os.Environ(), "SWITCHBOARD_WASIM_TOKEN="+wasimtest.ControlToken), g.env...)
	cmd.Stdout, cmd.Stderr = g.logs, g.logs
	if err := cmd.Start(); err != nil {
		g.t.Fatalf("start switchboard serve: %v", err)
	}
	g.cmd, g.exited = cmd, make(chan struct{})
	go func(exited chan struct{}) { _ = cmd.Wait(); close(exited) }(g.exited)

	deadline := time.Now().Add(childTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-g.exited:
			g.cmd = nil
			g.t.Fatalf("switchboard serve exited during boot:\n%s", tail(g.logs.String(), 40))
		default:
		}
		if resp, err := g.client.Get(g.base() + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	g.t.Fatal("switchboard serve never became healthy")
}

// kill sends SIGKILL, the one signal a process cannot catch or clean up after, and waits until
// the process is gone.
func (g *gateway) kill() {
	g.t.Helper()
	if g.cmd == nil {
		g.t.Fatal("gateway not running")
	}
	if err := g.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		g.t.Fatalf("SIGKILL: %v", err)
	}
	<-g.exited
	fmt.Fprintf(g.logs, "----- SIGKILL at %s\n", time.Now().Format(time.RFC3339Nano))
	g.cmd = nil
}

// createAccount runs `switchboard account create` against the gateway's database and returns the
// printed token.
func (g *gateway) createAccount(name string) string {
	g.t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(g.bin, "account", "create", "--name", name, "--db", g.dsn())
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		g.t.Fatalf("account create: %v\n%s", err, stderr.String())
	}
	var out struct{ Name, Token string }
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil || out.Name != name || out.Token == "" {
		g.t.Fatalf("account create printed %q", stdout.String())
	}
	return out.Token
}

// answer is the outcome of one request to the child: a response, or the transport error a kill
// leaves behind (err set, status 0).
type answer struct {
	status int
	header http.Header
	raw    []byte
	body   *apptest.Response // for Str/Get on the decoded body
	err    error
}

func (a answer) str(path string) string { return a.body.Str(path) }

func (a answer) String() string {
	if a.err != nil {
		return "no answer: " + a.err.Error()
	}
	return fmt.Sprintf("%d %s", a.status, a.raw)
}

// call sends one request. It never fails the test: during a crash round a missing answer is an
// expected outcome, judged by the caller.
func (g *gateway) call(ctx context.Context, method, path, token string, body any) answer {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return answer{err: err}
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, g.base()+path, rd)
	if err != nil {
		return answer{err: err}
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("token", token)
	resp, err := g.client.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header, body: &apptest.Response{}}
	if a.raw, err = io.ReadAll(resp.Body); err != nil {
		return answer{err: err}
	}
	if len(a.raw) > 0 {
		if err := json.Unmarshal(a.raw, &a.body.Body); err != nil {
			return answer{status: a.status, raw: a.raw, err: fmt.Errorf("answer is not JSON: %w", err), body: &apptest.Response{}}
		}
	}
	return a
}

// must is call for requests made while the child is healthy: any transport error fails the test.
func (g *gateway) must(method, path, token string, body any) answer {
	g.t.Helper()
	a := g.call(context.Background(), method, path, token, body)
	if a.err != nil {
		g.t.Fatalf("%s %s: %v", method, path, a.err)
	}
	return a
}

// waitState polls the list with token until the instance reports state.
func (g *gateway) waitState(token, name, state string) {
	g.t.Helper()
	deadline := time.Now().Add(childTimeout)
	var last answer
	for time.Now().Before(deadline) {
		last = g.call(context.Background(), "GET", "/api/instance/list?instanceName="+name, token, nil)
		if last.err == nil && last.status == http.StatusOK && last.str("instances.0.connection.state") == state {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	g.t.Fatalf("instance %s never reached %q after the restart; last answer: %v", name, state, last)
}

func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// withoutListPolls drops the request log lines of GET /api/instance/list, which waitState sends
// every 25 ms and which would bury everything else.
func withoutListPolls(log string) string {
	var kept []string
	for _, line := range strings.Split(log, "\n") {
		if !strings.Contains(line, `"msg":"request"`) || !strings.Contains(line, `"path":"/api/instance/list"`) {
			kept = append(kept, line)
		}
	}
	return strings.Join(kept, "\n")
}

// tail keeps the last n lines of a log.
func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
