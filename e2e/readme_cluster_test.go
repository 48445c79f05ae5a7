package e2e

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestREADMEClusterWalkthrough runs the shell blocks of the README's "Running several nodes" as
// written, in one bash: three nodes and a standalone simulator on loopback, an instance created
// through one node, paired through another and seen connected through the third, its node killed
// with SIGKILL, and the takeover by a survivor without a new QR code. The test changes only the
// first block's settings (a fresh database, free ports, the test's Redis) and runs the binary it
// built instead of `go build`, since the walkthrough runs outside the source tree.
func TestREADMEClusterWalkthrough(t *testing.T) {
	redisURL := clusterDeps(t)
	for _, tool := range []string{"bash", "curl", "jq", "openssl", "psql"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("SWITCHBOARD_REQUIRE_TOOLS") != "" {
				t.Fatalf("the cluster walkthrough needs %s: %v", tool, err)
			}
			t.Skipf("README cluster walkthrough skipped: it needs %s; .ci/run always runs it", tool)
		}
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	start, end := strings.Index(string(readme), "## Running several nodes"), strings.Index(string(readme), "## Operations")
	if start < 0 || end < start {
		t.Fatal(`README lacks "## Running several nodes" … "## Operations"`)
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(readme)[start:end], -1) {
		blocks = append(blocks, m[1])
	}
	if len(blocks) != 3 {
		t.Fatalf("the cluster walkthrough has %d shell blocks, want 3; update this test", len(blocks))
	}
	script := strings.Join(blocks, "\n")

	dsn := freshDatabase(t)
	nodes := []string{freeLoopbackAddr(t), freeLoopbackAddr(t), freeLoopbackAddr(t)}
	for literal, ours := range map[string]string{
		"DB='postgres://postgres@127.0.0.1:5432/switchboard?sslmode=disable'\n": "DB='" + dsn + "'\n",
		"SIM=127.0.0.1:9400\n": "SIM=" + freeLoopbackAddr(t) + "\n",
		"NODES=(127.0.0.1:8081 127.0.0.1:8082 127.0.0.1:8083)\n": "NODES=(" + strings.Join(nodes, " ") + ")\n",
		"go build -o switchboard ./cmd/switchboard\n":            ": built by the test\n",
		"SWITCHBOARD_REDIS_URL=redis://127.0.0.1:6379/0":         "SWITCHBOARD_REDIS_URL=" + redisURL,
	} {
		if !strings.Contains(script, literal) {
			t.Fatalf("the walkthrough no longer has %q; update this test", literal)
		}
		script = strings.Replace(script, literal, ours, 1)
	}
	dir := t.TempDir()
	if err := os.Symlink(switchboardBinary(t), filepath.Join(dir, "switchboard")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { killPidFiles(dir) })
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	run := exec.CommandContext(ctx, "bash", "-c", script)
	run.Dir = dir
	run.Env = os.Environ()
	out, err := run.CombinedOutput()
	if err != nil {
		for _, f := range []string{"node1.log", "node2.log", "node3.log"} {
			if b, rerr := os.ReadFile(filepath.Join(dir, f)); rerr == nil {
				t.Logf("%s:\n%s", f, tail(string(b), 30))
			}
		}
		t.Fatalf("the README cluster walkthrough failed: %v\n%s", err, tail(string(out), 60))
	}
	t.Logf("walkthrough output:\n%s", out)
	for _, want := range []string{"its session runs on node", "sales is connected again on node", `"status": "connected"`, `"qrCode": null`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the walkthrough's output lacks %q", want)
		}
	}
	if !regexp.MustCompile(`during the takeover: (503|200)`).Match(out) {
		t.Errorf("the answer during the takeover was neither 503 nor 200:\n%s", out)
	}
}

// freshDatabase creates an empty PostgreSQL database for one test (psql in the walkthrough cannot
// follow a schema's search_path) and drops it afterwards.
func freshDatabase(t *testing.T) string {
	t.Helper()
	base := os.Getenv("SWITCHBOARD_TEST_POSTGRES")
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	name := "sbreadme_" + randomSecret(t)[:12]
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP DATABASE " + name + " WITH (FORCE)")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// killPidFiles kills the processes the walkthrough started (their pids in *.pid).
func killPidFiles(dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.pid"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}
