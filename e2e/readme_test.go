package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readmeSections are the README sections whose shell blocks make one walkthrough.
var readmeSections = [2]string{"## Try it in sandbox mode", "## Configuration"}

// TestREADMEWalkthrough runs the README's sandbox walkthrough as a newcomer would: the first block
// starts the server (with the binary this test built, since `go build` needs the source tree; and
// on a free port, through SWITCHBOARD_ADDR, with the README's base URL pointed at it), and every
// later block is pasted, in order, into one bash. The walkthrough stops on the first failure
// (set -eo pipefail and curl --fail-with-body), so a step that no longer works fails this test.
// Afterwards both instances must be connected to the README's phones.
func TestREADMEWalkthrough(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			// .ci/run installs the tools and sets SWITCHBOARD_REQUIRE_TOOLS, so CI never skips.
			if os.Getenv("SWITCHBOARD_REQUIRE_TOOLS") != "" {
				t.Fatalf("the README walkthrough needs %s (apt-get install %s): %v", tool, tool, err)
			}
			t.Skipf("README walkthrough skipped: it needs %s (apt-get install %s); .ci/run always runs it", tool, tool)
		}
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := readmeBlocks(t, string(readme))
	server, steps := blocks[0], strings.Join(blocks[1:], "\n")

	dir := t.TempDir()
	if err := os.Symlink(switchboardBinary(t), filepath.Join(dir, "switchboard")); err != nil {
		t.Fatal(err)
	}
	serverLines := strings.Split(strings.TrimSpace(server), "\n")
	if len(serverLines) != 2 || serverLines[0] != "go build -o switchboard ./cmd/switchboard" || !strings.HasPrefix(serverLines[1], "./switchboard serve ") {
		t.Fatalf("the server block changed shape; update this test:\n%s", server)
	}
	addr := freeLoopbackAddr(t)
	var logs bytes.Buffer
	srv := exec.Command("bash", "-c", "exec "+serverLines[1])
	srv.Dir, srv.Stdout, srv.Stderr = dir, &logs, &logs
	srv.Env = append(os.Environ(), "SWITCHBOARD_ADDR="+addr)
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Process.Signal(syscall.SIGTERM)
		_ = srv.Wait()
		if t.Failed() {
			t.Logf("server log:\n%s", tail(logs.String(), 60))
		}
	})
	waitUp(t, "http://"+addr)

	const readmeURL = "SB=http://localhost:8080\n"
	if !strings.Contains(steps, readmeURL) {
		t.Fatalf("the walkthrough no longer sets %q; update this test", readmeURL)
	}
	steps = strings.Replace(steps, readmeURL, "SB=http://"+addr+"\n", 1)
	steps += "\nprintf '%s\\n' \"$ACCOUNT\" > account.token\n" // for the checks below
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	script := exec.CommandContext(ctx, "bash", "-c", steps)
	script.Dir = dir
	out, err := script.CombinedOutput()
	if err != nil {
		t.Fatalf("the README walkthrough failed: %v\n%s", err, tail(string(out), 80))
	}

	token, err := os.ReadFile(filepath.Join(dir, "account.token"))
	if err != nil {
		t.Fatal(err)
	}
	for name, phone := range map[string]string{"sales": "5511999990001", "support": "5511999990009"} {
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/instance/list?instanceName="+name, nil)
		req.Header.Set("token", strings.TrimSpace(string(token)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var list struct {
			Instances []struct {
				Connection struct{ State, NumberJid string }
			}
		}
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if err != nil || len(list.Instances) != 1 || list.Instances[0].Connection.State != "connected" ||
			list.Instances[0].Connection.NumberJid != phone+"@s.whatsapp.net" {
			t.Errorf("after the walkthrough, instance %s: %+v (%v)", name, list, err)
		}
	}
	if !strings.Contains(string(out), `"content": "Hello from Switchboard"`) || !strings.Contains(string(out), `"same": true`) {
		t.Errorf("the walkthrough did not send and read back its messages:\n%s", tail(string(out), 80))
	}
	if !strings.Contains(string(out), `"Linked 2 of 2 groups to community"`) {
		t.Errorf("the walkthrough did not link both groups:\n%s", tail(string(out), 80))
	}
}

// readmeBlocks returns the ```sh blocks of the walkthrough sections, in order.
func readmeBlocks(t *testing.T, readme string) []string {
	t.Helper()
	start, end := strings.Index(readme, readmeSections[0]), strings.Index(readme, readmeSections[1])
	if start < 0 || end < start {
		t.Fatalf("README lacks the sections %q … %q", readmeSections[0], readmeSections[1])
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(readme[start:end], -1) {
		blocks = append(blocks, m[1])
	}
	if len(blocks) < 3 {
		t.Fatalf("the walkthrough has %d shell blocks, want the server's and the steps", len(blocks))
	}
	return blocks
}

// waitUp polls /health until the server answers.
func waitUp(t *testing.T, base string) {
	t.Helper()
	for deadline := time.Now().Add(childTimeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(base + "/health"); err == nil {
			resp.Body.Close()
			return
		}
	}
	t.Fatalf("the README's server never answered on %s", base)
}
