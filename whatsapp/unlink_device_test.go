package whatsapp

import (
	"errors"
	"fmt"
	"testing"

	"go.mau.fi/whatsmeow/store"
)

// TestLogoutRightAfterLinkingLeavesTheLiveDevice: the phone's post-link messages (key share,
// push name, history sync) start whatsmeow goroutines that read the client's Device; a logout
// at once deletes the device's rows but never writes that struct (under -race this is the
// test of the race), and a late save from such a goroutine cannot bring the row back.
func TestLogoutRightAfterLinkingLeavesTheLiveDevice(t *testing.T) {
	e := newEnv(t)
	if !e.sim.BootstrapsLinks() {
		t.Fatal("the simulator's phones must bootstrap new companions for this test")
	}
	m := e.manager()
	inst := e.instance("quick-bye")
	e.pairQR(m, inst, "5511933334444")
	dev := e.deviceJID(inst)
	s := m.lookup(inst.ID)
	s.mu.Lock()
	live := s.cli.Store
	s.mu.Unlock()

	if err := m.Logout(ctxT(t), e.row(inst)); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	if d, err := e.container.GetDevice(ctxT(t), dev); err != nil || d != nil {
		t.Fatalf("device still in the store: %v %v", d, err)
	}
	if live.ID == nil || *live.ID != dev || live.Deleted {
		t.Fatalf("the live device was cleared in memory: id %v deleted %v", live.ID, live.Deleted)
	}
	if !deviceGone(live) {
		t.Fatal("the live device's container does not know its rows are gone")
	}
	if err := live.Save(ctxT(t)); !errors.Is(err, store.ErrDeviceDeleted) {
		t.Fatalf("a late save of the logged-out device: %v, want ErrDeviceDeleted", err)
	}
	if d, err := e.container.GetDevice(ctxT(t), dev); err != nil || d != nil {
		t.Fatalf("a late save brought the device back: %v %v", d, err)
	}
}

// sqlStateError stands in for the PostgreSQL driver's error, which this package does not import;
// only its SQLState method matters to isDeadlock.
type sqlStateError string

func (e sqlStateError) Error() string    { return "ERROR: " + string(e) }
func (e sqlStateError) SQLState() string { return string(e) }

func TestIsDeadlockMatchesOnlyPostgresDeadlocks(t *testing.T) {
	if !isDeadlock(fmt.Errorf("error deleting data from store: %w", sqlStateError("40P01"))) {
		t.Fatal("a wrapped 40P01 is a deadlock")
	}
	for _, err := range []error{sqlStateError("23503"), errors.New("deadlock detected"), nil} {
		if isDeadlock(err) {
			t.Fatalf("%v is not a deadlock", err)
		}
	}
}
