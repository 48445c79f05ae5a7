package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard/wasim"
)

// signal sends sig to the running child without waiting for it to exit.
func (g *gateway) signal(sig syscall.Signal) {
	g.t.Helper()
	if g.cmd == nil {
		g.t.Fatal("gateway not running")
	}
	if err := g.cmd.Process.Signal(sig); err != nil {
		g.t.Fatalf("%v: %v", sig, err)
	}
	fmt.Fprintf(g.logs, "----- %v at %s\n", sig, time.Now().Format(time.RFC3339Nano))
}

// waitExit waits up to limit for the child to exit and returns its exit code; it fails the test
// when the child is still running then.
func (g *gateway) waitExit(limit time.Duration) int {
	g.t.Helper()
	select {
	case <-g.exited:
	case <-time.After(limit):
		g.t.Fatalf("switchboard serve still running %v after the signal", limit)
	}
	code := g.cmd.ProcessState.ExitCode()
	g.cmd = nil
	return code
}

// waitLog waits until the child's log holds text.
func (g *gateway) waitLog(text string) {
	g.t.Helper()
	deadline := time.Now().Add(childTimeout)
	for time.Now().Before(deadline) {
		if strings.Contains(g.logs.String(), text) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	g.t.Fatalf("the log never said %q", text)
}

// pairAdmin creates and pairs one instance on the child, as phone.
func pairAdmin(t *testing.T, g *gateway, sim *wasim.Server, acc, name, phone string) (pairedInstance, types.JID) {
	t.Helper()
	inst := pairedInstance{name: name, phone: phone}
	created := g.must("POST", "/api/instance/new", acc, map[string]any{"name": name})
	if created.status != http.StatusCreated {
		t.Fatalf("create %s: %v", name, created)
	}
	inst.token = created.str("instance.token")
	if err := scan(sim, requestQR(t, g, inst), phone); err != nil {
		t.Fatal(err)
	}
	g.waitState(inst.token, name, "connected")
	return inst, types.NewJID(phone, types.DefaultUserServer)
}

// waitFirstLink waits until the simulator has received a link request for one of groups: the
// batch is then in flight.
func waitFirstLink(t *testing.T, sim *wasim.Server, groups []types.JID) {
	t.Helper()
	deadline := time.Now().Add(childTimeout)
	for time.Now().Before(deadline) {
		for _, grp := range groups {
			if linkRequestsFor(sim, grp) > 0 {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no link request reached WhatsApp")
}
