package whatsapp

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/wasim"
)

// dialRecorder wraps the simulator's HTTP client and records when each websocket was dialled,
// an observation of the boot independent of the manager's own counter. When dialled is set, it
// also gets a value at each dial that finds room in it.
type dialRecorder struct {
	mu      sync.Mutex
	dials   []time.Time
	dialled chan struct{}
}

func (d *dialRecorder) client(base *http.Client) *http.Client {
	inner := base.Transport.(*http.Transport).Clone()
	dial := inner.DialContext
	record := func(ctx context.Context, network, addr string) (net.Conn, error) {
		d.mu.Lock()
		d.dials = append(d.dials, time.Now())
		d.mu.Unlock()
		select {
		case d.dialled <- struct{}{}:
		default:
		}
		return dial(ctx, network, addr)
	}
	inner.DialContext, inner.DialTLSContext = record, record
	return &http.Client{Transport: inner}
}

// maxOverlap is the most intervals [starts[i], ends[j]] open at once; pairing starts with ends
// is not needed to count how many are open at each instant.
func maxOverlap(starts, ends []time.Time) int {
	slices.SortFunc(starts, func(a, b time.Time) int { return a.Compare(b) })
	slices.SortFunc(ends, func(a, b time.Time) int { return a.Compare(b) })
	open, most, j := 0, 0, 0
	for _, s := range starts {
		for j < len(ends) && !ends[j].After(s) {
			open--
			j++
		}
		open++
		most = max(most, open)
	}
	return most
}

func TestStartReconnectsAllWithBoundedConcurrency(t *testing.T) {
	const (
		count = 9
		limit = 3
		delay = 150 * time.Millisecond
	)
	e := newEnv(t)
	first := e.manager()
	var insts []*switchboard.Instance
	var phones []string
	for i := range count {
		insts = append(insts, e.instance(fmt.Sprintf("boot-%d", i)))
		phones = append(phones, fmt.Sprintf("55118000000%02d", i))
	}
	e.pairMany(first, insts, phones)
	// One more instance says it should reconnect, but its device is gone from the store.
	ghost := e.instance("ghost")
	if err := e.store.SetSession(context.Background(), ghost.ID, "5511700000000:3@s.whatsapp.net", true, false); err != nil {
		t.Fatal(err)
	}
	// And a logged-out one is left alone.
	loggedOut := e.instance("logged-out")
	if err := e.store.SetSession(context.Background(), loggedOut.ID, "", false, true); err != nil {
		t.Fatal(err)
	}
	first.Close()

	// Every login answer is slow, so handshakes overlap and the cap is what limits them.
	e.sim.AddFault(wasim.FaultRule{Match: "passive", Delay: delay, Times: -1})
	rec := &dialRecorder{}
	writesBefore := e.instances.writes.Load()
	m := e.manager(func(o *Options) {
		o.BootConcurrency = limit
		o.BootJitter = 20 * time.Millisecond
		o.HTTPClient = rec.client(o.HTTPClient)
	})
	begin := time.Now()
	if err := m.Start(ctxT(t)); err != nil {
		t.Fatalf("Start: %v", err)
	}
	took := time.Since(begin)

	var connectedAt []time.Time
	for _, inst := range insts {
		st := m.Status(e.row(inst))
		if st.State != switchboard.StateConnected {
			t.Fatalf("%s after boot: %+v", inst.Name, st)
		}
		connectedAt = append(connectedAt, st.Since)
	}
	st := m.Stats()
	if st.Connected != count {
		t.Fatalf("stats %+v", st)
	}
	if st.MaxConcurrentHandshakes > limit || st.MaxConcurrentHandshakes < 2 {
		t.Fatalf("max concurrent handshakes %d, want 2..%d", st.MaxConcurrentHandshakes, limit)
	}
	rec.mu.Lock()
	dials := slices.Clone(rec.dials)
	rec.mu.Unlock()
	if len(dials) != count {
		t.Fatalf("%d websocket dials, want one per paired instance (%d)", len(dials), count)
	}
	if overlap := maxOverlap(dials, connectedAt); overlap > limit {
		t.Fatalf("observed %d logins in flight at once, cap %d", overlap, limit)
	}
	if minimum := time.Duration(count/limit) * delay; took < minimum {
		t.Fatalf("boot took %s, faster than %d rounds of %s: the cap was not applied", took, count/limit, delay)
	}
	t.Logf("boot of %d instances, cap %d: %s, max in flight %d", count, limit, took, st.MaxConcurrentHandshakes)

	if r := e.row(ghost); !r.LoggedOut || r.AutoConnect || r.DeviceJID != "" {
		t.Fatalf("instance without a stored device: %+v", r)
	}
	if st := m.Status(e.row(ghost)); st.State != switchboard.StateLoggedOut {
		t.Fatalf("status of the instance without a device: %+v", st)
	}
	if m.lookup(loggedOut.ID) != nil {
		t.Fatal("boot touched a logged-out instance")
	}
	// Reconnecting rows that already say "paired, auto-connect" rewrites nothing but the ghost.
	if w := e.instances.writes.Load() - writesBefore; w != 1 {
		t.Fatalf("%d session writes during boot, want 1 (the ghost)", w)
	}
}

func TestCloseDuringBootStopsCleanly(t *testing.T) {
	e := newEnv(t)
	first := e.manager()
	var insts []*switchboard.Instance
	var phones []string
	for i := range 3 {
		insts = append(insts, e.instance(fmt.Sprintf("halt-%d", i)))
		phones = append(phones, fmt.Sprintf("55117000000%02d", i))
	}
	e.pairMany(first, insts, phones)
	first.Close()

	// Each login answer takes a second, one at a time: the boot is surely still running when
	// its first websocket has been dialled, which is when Close comes.
	e.sim.AddFault(wasim.FaultRule{Match: "passive", Delay: time.Second, Times: -1})
	rec := &dialRecorder{dialled: make(chan struct{}, 1)}
	m := e.manager(func(o *Options) {
		o.BootConcurrency = 1
		o.HTTPClient = rec.client(o.HTTPClient)
	})
	done := make(chan error, 1)
	go func() { done <- m.Start(context.Background()) }()
	select {
	case <-rec.dialled:
	case <-time.After(waitTimeout):
		t.Fatal("the boot never dialled WhatsApp")
	}
	m.Close()
	select {
	case <-done:
	case <-time.After(waitTimeout):
		t.Fatal("Start did not return after Close")
	}
	if _, err := m.Connect(ctxT(t), e.row(insts[0]), ""); !switchboard.IsCode(err, switchboard.CodeUnavailable) {
		t.Fatalf("Connect after Close: %v", err)
	}
}
