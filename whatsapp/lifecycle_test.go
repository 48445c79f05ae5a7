package whatsapp

import (
	"net"
	"testing"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/wasim"
)

func TestLoggedOutFromPhoneThenConnectAgain(t *testing.T) {
	e := newEnv(t)
	m := e.manager()
	inst := e.instance("unlinked")
	e.pairQR(m, inst, "5511922221111")
	dev := e.deviceJID(inst)

	if err := e.sim.RemoveDevice(dev); err != nil {
		t.Fatalf("RemoveDevice: %v", err)
	}
	st := e.waitState(m, inst, switchboard.StateLoggedOut)
	if st.Reason != reasonLoggedOut {
		t.Fatalf("status %+v", st)
	}
	eventually(t, "row marked logged out", func() bool {
		r := e.row(inst)
		return r.LoggedOut && !r.AutoConnect && r.DeviceJID == ""
	})
	eventually(t, "device deleted from the store", func() bool {
		d, err := e.container.GetDevice(ctxT(t), dev)
		return err == nil && d == nil
	})
	if _, err := m.Groups(e.row(inst)); !switchboard.IsCode(err, switchboard.CodeNotConnected) {
		t.Fatalf("Groups after logout: %v", err)
	}
	if err := m.Reconnect(ctxT(t), e.row(inst)); !switchboard.IsCode(err, switchboard.CodeInvalid) {
		t.Fatalf("Reconnect after logout: %v", err)
	}

	// A new pairing works and clears the logged-out mark.
	e.pairQR(m, inst, "5511922221111")
	r := e.row(inst)
	if r.LoggedOut || !r.AutoConnect || r.DeviceJID == dev.String() {
		t.Fatalf("row after pairing again: %+v", r)
	}
}

func TestLogoutUnlinksAndReportsLoggedOut(t *testing.T) {
	e := newEnv(t)
	m := e.manager()
	inst := e.instance("bye")
	e.pairQR(m, inst, "5511911110000")
	dev := e.deviceJID(inst)

	if err := m.Logout(ctxT(t), e.row(inst)); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	r := e.row(inst)
	if r.DeviceJID != "" || r.AutoConnect || !r.LoggedOut {
		t.Fatalf("row after logout: %+v", r)
	}
	if st := m.Status(r); st.State != switchboard.StateLoggedOut || st.Reason != "" {
		t.Fatalf("status after logout: %+v", st)
	}
	if _, ok := e.sim.Device(dev); ok {
		t.Fatal("the simulator still lists the device after logout")
	}
	if d, err := e.container.GetDevice(ctxT(t), dev); err != nil || d != nil {
		t.Fatalf("device still in the store: %v %v", d, err)
	}
	// Survives a restart: a fresh manager reads the row.
	m.Close()
	if st := e.manager().Status(e.row(inst)); st.State != switchboard.StateLoggedOut {
		t.Fatalf("status after restart: %+v", st)
	}
}

func TestLogoutOfflineConnectsToUnlink(t *testing.T) {
	e := newEnv(t)
	first := e.manager()
	inst := e.instance("offline-logout")
	e.pairQR(first, inst, "5511900009999")
	dev := e.deviceJID(inst)
	first.Close()

	m := e.manager()
	if err := m.Logout(ctxT(t), e.row(inst)); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	if _, ok := e.sim.Device(dev); ok {
		t.Fatal("the phone still lists the device of an instance logged out while offline")
	}
	if d, err := e.container.GetDevice(ctxT(t), dev); err != nil || d != nil {
		t.Fatalf("device still in the store: %v %v", d, err)
	}
	if st := m.Status(e.row(inst)); st.State != switchboard.StateLoggedOut {
		t.Fatalf("status %+v", st)
	}
}

func TestLogoutWithWhatsAppUnreachableDeletesLocally(t *testing.T) {
	e := newEnv(t)
	first := e.manager()
	inst := e.instance("unreachable")
	e.pairQR(first, inst, "5511900008888")
	dev := e.deviceJID(inst)
	first.Close()

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := closed.Addr().String()
	_ = closed.Close() // nothing listens there any more: every dial is refused
	m := e.manager(func(o *Options) { o.HTTPClient = wasim.HTTPClientFor(addr) })
	if err := m.Logout(ctxT(t), e.row(inst)); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	if d, err := e.container.GetDevice(ctxT(t), dev); err != nil || d != nil {
		t.Fatalf("device still in the store: %v %v", d, err)
	}
	if r := e.row(inst); r.DeviceJID != "" || !r.LoggedOut {
		t.Fatalf("row %+v", r)
	}
}

func TestRemoveDropsEverything(t *testing.T) {
	e := newEnv(t)
	m := e.manager()
	inst := e.instance("gone")
	e.pairQR(m, inst, "5511899998888")
	dev := e.deviceJID(inst)

	if err := m.Remove(ctxT(t), e.row(inst)); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if m.lookup(inst.ID) != nil {
		t.Fatal("the manager still holds the session")
	}
	if _, ok := e.sim.Device(dev); ok {
		t.Fatal("the simulator still lists the device")
	}
	if d, err := e.container.GetDevice(ctxT(t), dev); err != nil || d != nil {
		t.Fatalf("device still in the store: %v %v", d, err)
	}
	if r := e.row(inst); r.DeviceJID != "" || r.AutoConnect {
		t.Fatalf("row after remove: %+v", r)
	}
}

func TestRemoveWhileLoginPending(t *testing.T) {
	e := newEnv(t)
	m := e.manager()
	inst := e.instance("pending")
	if _, err := m.Connect(ctxT(t), e.row(inst), ""); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if err := m.Remove(ctxT(t), e.row(inst)); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if m.lookup(inst.ID) != nil {
		t.Fatal("the manager still holds the session")
	}
}

// TestRemoveForgetsThePacer: the removed instance's write schedule, send queue and recipient
// cache are dropped with it (later lookups build fresh ones), so they do not pile up for
// instances that no longer exist.
func TestRemoveForgetsThePacer(t *testing.T) {
	e := newEnv(t)
	m := e.manager()
	inst := e.instance("paced")
	before := m.Pacer(inst)
	if again := m.Pacer(inst); again != before {
		t.Fatal("Pacer does not keep an instance's pacer")
	}
	queue, recipients := m.sendQueues.For(inst.ID), m.recipientsFor(inst.ID)
	if m.sendQueues.For(inst.ID) != queue || m.recipientsFor(inst.ID) != recipients {
		t.Fatal("the send queue or recipient cache is not kept per instance")
	}
	if err := m.Remove(ctxT(t), e.row(inst)); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if after := m.Pacer(inst); after == before {
		t.Fatal("the removed instance's pacer is still registered")
	}
	if m.sendQueues.For(inst.ID) == queue {
		t.Fatal("the removed instance's send queue is still registered")
	}
	if m.recipientsFor(inst.ID) == recipients {
		t.Fatal("the removed instance's recipient cache is still registered")
	}
}

func TestStreamReplacedStopsWithReason(t *testing.T) {
	e := newEnv(t)
	m := e.manager()
	inst := e.instance("replaced")
	e.pairQR(m, inst, "5511888887777")

	if err := e.sim.PushStreamError(e.deviceJID(inst), "", "replaced"); err != nil {
		t.Fatalf("PushStreamError: %v", err)
	}
	st := e.waitState(m, inst, switchboard.StateDisconnected)
	if st.Reason != reasonReplaced {
		t.Fatalf("status %+v", st)
	}
	// Not reconnected by itself; an explicit reconnect brings it back.
	if err := m.Reconnect(ctxT(t), e.row(inst)); err != nil {
		t.Fatalf("Reconnect: %v", err)
	}
	if st := e.waitState(m, inst, switchboard.StateConnected); st.Reason != "" {
		t.Fatalf("status after reconnect: %+v", st)
	}
}

func TestTemporaryBanAndOutdatedClientAreReported(t *testing.T) {
	for _, tc := range []struct {
		failure int
		reason  string
	}{{402, reasonTemporaryBan}, {405, reasonClientOutdated}} {
		t.Run(tc.reason, func(t *testing.T) {
			e := newEnv(t)
			m := e.manager()
			inst := e.instance("refused")
			e.pairQR(m, inst, "5511877776666")

			e.sim.FailNextLogin("5511877776666", tc.failure)
			if err := e.sim.DropConnection(e.deviceJID(inst)); err != nil {
				t.Fatalf("DropConnection: %v", err)
			}
			eventually(t, "reason "+tc.reason, func() bool {
				st := m.Status(e.row(inst))
				return st.State == switchboard.StateDisconnected && st.Reason == tc.reason
			})
			if r := e.row(inst); r.DeviceJID == "" || r.LoggedOut {
				t.Fatalf("a refused login must keep the session: %+v", r)
			}
		})
	}
}

func TestDroppedConnectionReconnectsByItself(t *testing.T) {
	e := newEnv(t)
	m := e.manager()
	inst := e.instance("flaky")
	e.pairQR(m, inst, "5511866665555")
	s := m.lookup(inst.ID)
	s.mu.Lock()
	since := s.since
	s.mu.Unlock()

	if err := e.sim.DropConnection(e.deviceJID(inst)); err != nil {
		t.Fatalf("DropConnection: %v", err)
	}
	eventually(t, "a reconnect after the drop", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.state == switchboard.StateConnected && s.since.After(since)
	})
}
