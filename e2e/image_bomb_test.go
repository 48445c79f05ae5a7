package e2e

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard/switchboard/media/mediatest"
	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// maxBombGrowth is the most the gateway's resident memory may grow while it refuses the bombs.
const maxBombGrowth = 300 << 20

// TestImageBombsDoNotExhaustMemory sends the decompression bomb of the security review (a 16-bit
// 5000×5000 PNG of about 194 KB, 200 MB once decoded) as a group picture, 20 requests at once.
// The gateway runs as its own `switchboard serve` process so that its peak resident memory
// (VmHWM in /proc) is its alone, not the test binary's.
func TestImageBombsDoNotExhaustMemory(t *testing.T) {
	sim := wasimtest.NewServer(t, wasim.Config{RootKey: wasimtest.SharedRoot()})
	g := newGateway(t, sim.URL())
	acc := g.createAccount("bombs")
	g.start()

	inst := pairedInstance{name: "bombed", phone: "5511980000001"}
	created := g.must("POST", "/api/instance/new", acc, map[string]any{"name": inst.name})
	if created.status != http.StatusCreated {
		t.Fatalf("create: %v", created)
	}
	inst.token = created.str("instance.token")
	if err := scan(sim, requestQR(t, g, inst), inst.phone); err != nil {
		t.Fatalf("scan: %v", err)
	}
	g.waitState(inst.token, inst.name, "connected")

	bomb := mediatest.PNGBomb(5000, 5000)
	t.Logf("bomb: %d bytes on the wire, %d MB decoded", len(bomb), 5000*5000*8/1_000_000)
	body := map[string]any{
		// The picture is loaded before the group is looked up, so no group needs to exist.
		"identifier": "120363000000000001@g.us",
		"image":      base64.StdEncoding.EncodeToString(bomb),
	}

	pid := g.cmd.Process.Pid
	resetPeak(pid)
	before := procStatusBytes(t, pid, "VmRSS")
	var wg sync.WaitGroup
	results := make([]answer, 20)
	for i := range results {
		wg.Go(func() {
			results[i] = g.call(context.Background(), "PUT", "/api/group/update/"+inst.name, inst.token, body)
		})
	}
	wg.Wait()
	peak := procStatusBytes(t, pid, "VmHWM")

	for i, res := range results {
		if res.err != nil || res.status != http.StatusBadRequest || !strings.Contains(res.str("error.message"), "image dimensions are too large") {
			t.Errorf("request %d: %v, want 400 image dimensions are too large", i, res)
		}
	}
	growth := peak - before
	t.Logf("resident memory: %d MB before, peak %d MB during the bombs (growth %d MB)", before>>20, peak>>20, growth>>20)
	if growth > maxBombGrowth {
		t.Fatalf("20 bombs grew the gateway's resident memory by %d MB, want under %d MB", growth>>20, maxBombGrowth>>20)
	}
}

// resetPeak sets the process's VmHWM back to its current resident size (Linux 4.0+), so the peak
// read afterwards belongs to what happened since. Where that is not allowed, the peak since start
// is read instead, which can only overstate the growth.
func resetPeak(pid int) {
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}

// procStatusBytes reads a "kB" field of /proc/PID/status.
func procStatusBytes(t *testing.T, pid int, field string) int64 {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("reading the gateway's memory (Linux /proc needed): %v", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		name, value, ok := strings.Cut(line, ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			t.Fatalf("%s: %q", field, value)
		}
		return kb << 10
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
