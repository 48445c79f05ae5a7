package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// pairingKillPoint is where in a QR pairing the gateway dies.
type pairingKillPoint int

// killAfterScan comes first: its scan, uninterrupted, measures the window of killDuringScan.
const (
	killAfterScan  pairingKillPoint = iota // as soon as the phone reports the pairing done
	killQRShown                            // the QR was issued, nobody has scanned it yet
	killDuringScan                         // at a random instant while the phone scans
	pairingKillPoints
)

func (p pairingKillPoint) String() string {
	return [...]string{"right after the scan", "QR shown", "during the scan"}[p]
}

// pairedInstance is an instance whose pairing the phone completed.
type pairedInstance struct{ name, token, phone string }

// TestCrashDuringPairing kills the gateway with SIGKILL between the QR being issued and the scan
// finishing, and right after the scan. After each restart: the database is intact; every
// instance the phone lists as a linked device (the simulator's ground truth) is connected again
// without a new QR and without a second device; an instance whose pairing was cut pairs again
// with a fresh QR.
func TestCrashDuringPairing(t *testing.T) {
	// Every third round kills right after the scan. A gateway that recorded the pairing only after
	// confirming it loses that race in most such rounds, not all (its write runs while the
	// simulator checks the confirmation), so the default has four of them; a round costs under
	// a second.
	rounds, rng := crashPlan(t, 12)
	pairHook := &onPaired{}
	sim := wasimtest.NewServer(t, wasim.Config{RootKey: wasimtest.SharedRoot(), Logger: slog.New(pairHook)})
	g := newGateway(t, sim.URL())
	acc := g.createAccount("crash-pairing")
	g.start()

	var paired []pairedInstance
	// The longest whole scan seen so far is the window in which killDuringScan lands; the
	// guess only stands until the first killAfterScan round measures one.
	scanTook, measured := 50*time.Millisecond, false
	for round := range rounds {
		point := pairingKillPoint(round % int(pairingKillPoints))
		inst := pairedInstance{name: fmt.Sprintf("p%d", round), phone: fmt.Sprintf("551197%07d", round)}
		created := g.must("POST", "/api/instance/new", acc, map[string]any{"name": inst.name})
		if created.status != http.StatusCreated {
			t.Fatalf("create %s: %v", inst.name, created)
		}
		inst.token = created.str("instance.token")
		qr := requestQR(t, g, inst)

		var scanErr error
		switch point {
		case killQRShown:
			time.Sleep(randDuration(rng, 20*time.Millisecond))
			g.kill()
		case killDuringScan:
			done := make(chan error, 1)
			go func() { done <- scan(sim, qr, inst.phone) }()
			delay := randDuration(rng, scanTook)
			time.Sleep(delay)
			g.kill()
			scanErr = <-done
			t.Logf("round %d: SIGKILL %v into a scan of up to %v", round, delay, scanTook)
		case killAfterScan:
			// The kill is sent from inside the simulator the instant it has recorded the new device,
			// which leaves the gateway, after its confirmation, only the time the simulator takes to
			// check it: a pairing recorded after the confirmation is lost, not saved by luck.
			proc := g.cmd.Process
			pairHook.arm(func() { _ = proc.Signal(syscall.SIGKILL) })
			began := time.Now()
			scanErr = scan(sim, qr, inst.phone)
			if !pairHook.fired() {
				t.Fatalf("round %d: the simulator never logged the pairing; the kill hook did not run", round)
			}
			g.kill()
			if took := time.Since(began); !measured || took > scanTook {
				scanTook, measured = took, true
			}
		}
		completed := len(phoneDevices(sim, inst.phone)) == 1
		t.Logf("round %d: killed %s; phone lists the device: %v (scan: %v)", round, point, completed, scanErr)
		if point == killAfterScan && (scanErr != nil || !completed) {
			t.Fatalf("round %d: the scan before the kill failed: %v", round, scanErr)
		}

		checkIntegrity(t, g.dbPath)
		g.start()

		if completed {
			paired = append(paired, inst)
		}
		// Every pairing the phone knows of comes back by itself: connected, same single device.
		for _, p := range paired {
			g.waitState(p.token, p.name, "connected")
			if n := len(phoneDevices(sim, p.phone)); n != 1 {
				t.Fatalf("round %d: %s's phone lists %d devices after the restart, want still 1", round, p.name, n)
			}
			again := g.must("GET", "/api/instance/connect/"+p.name, p.token, nil)
			if again.status != http.StatusOK || again.str("status") != "connected" || again.str("qrCode") != "" {
				t.Fatalf("round %d: connect on restored %s asked for a new pairing: %v", round, p.name, again)
			}
		}
		if completed {
			continue
		}
		// The cut pairing left nothing half-done: a fresh QR, a scan, connected, one device.
		qr = requestQR(t, g, inst)
		if err := scan(sim, qr, inst.phone); err != nil {
			t.Fatalf("round %d: pairing %s again after the kill: %v", round, inst.name, err)
		}
		g.waitState(inst.token, inst.name, "connected")
		if n := len(phoneDevices(sim, inst.phone)); n != 1 {
			t.Fatalf("round %d: %s's phone lists %d devices after pairing again, want 1", round, inst.name, n)
		}
		paired = append(paired, inst)
	}
}

// onPaired is the simulator's log handler in the pairing crash test: it drops every record, and
// runs the armed function once, synchronously, when the simulator logs that it recorded a new
// device (wasim's pairDevice, after it verified the gateway's confirmation). That is the first
// instant at which the phone lists the device, so it is where the gateway must already have
// recorded the pairing.
type onPaired struct {
	armed atomic.Pointer[func()]
	ran   atomic.Bool
}

// arm sets what runs at the next pairing.
func (h *onPaired) arm(f func()) { h.ran.Store(false); h.armed.Store(&f) }

// fired reports whether the armed function ran.
func (h *onPaired) fired() bool { return h.ran.Load() }

func (h *onPaired) Enabled(context.Context, slog.Level) bool { return true }
func (h *onPaired) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *onPaired) WithGroup(string) slog.Handler            { return h }

func (h *onPaired) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "wasim: paired" {
		return nil
	}
	if f := h.armed.Swap(nil); f != nil {
		(*f)()
		h.ran.Store(true)
	}
	return nil
}

// requestQR asks the gateway for a login QR code.
func requestQR(t *testing.T, g *gateway, inst pairedInstance) string {
	t.Helper()
	res := g.must("GET", "/api/instance/connect/"+inst.name, inst.token, nil)
	if res.status != http.StatusOK || res.str("status") != "qr" || res.str("qrCode") == "" {
		t.Fatalf("connect %s: want a QR code, got %v", inst.name, res)
	}
	return res.str("qrCode")
}

// scan plays the phone scanning the QR code (the gateway runs with --sandbox-url, so it has no
// /sandbox/scan route; the phone is the simulator in this process).
func scan(sim *wasim.Server, qr, phone string) error {
	ctx, cancel := context.WithTimeout(context.Background(), childTimeout)
	defer cancel()
	_, err := sim.ScanQR(ctx, qr, phone)
	return err
}

// phoneDevices is the phone's "Linked devices" list.
func phoneDevices(sim *wasim.Server, phone string) []string {
	var out []string
	for _, d := range sim.Snapshot().Devices {
		if d.Phone == phone {
			out = append(out, d.JID.String())
		}
	}
	return out
}
