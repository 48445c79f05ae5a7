package whatsapp

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard/switchboard"
)

func TestConnectQRPairsAndRecordsDevice(t *testing.T) {
	e := newEnv(t)
	m := e.manager()
	inst := e.instance("sales")

	if st := m.Status(e.row(inst)); st.State != switchboard.StateDisconnected || st.NumberJID != "" {
		t.Fatalf("before connect: %+v", st)
	}
	e.pairQR(m, inst, "5511988887777")

	row := e.row(inst)
	if !row.AutoConnect || row.LoggedOut {
		t.Fatalf("row after pairing: autoConnect=%v loggedOut=%v", row.AutoConnect, row.LoggedOut)
	}
	dev := e.deviceJID(inst)
	if dev.User != "5511988887777" || dev.Device == 0 {
		t.Fatalf("device jid %s", dev)
	}
	st := m.Status(row)
	if st.State != switchboard.StateConnected || st.NumberJID != "5511988887777@s.whatsapp.net" || st.Reason != "" {
		t.Fatalf("status %+v", st)
	}
	eventually(t, "the simulator sees the device online", func() bool {
		d, ok := e.sim.Device(dev)
		return ok && d.Online
	})
	if stored, err := e.container.GetDevice(ctxT(t), dev); err != nil || stored == nil {
		t.Fatalf("device not in whatsmeow's store: %v %v", stored, err)
	}

	// Connecting a connected instance is a no-op that says so.
	code, err := m.Connect(ctxT(t), row, "")
	if err != nil || !code.Connected || code.QR != "" {
		t.Fatalf("second connect: %+v %v", code, err)
	}
	if _, err := m.Groups(row); err != nil {
		t.Fatalf("Groups on a connected instance: %v", err)
	}
}

func TestConnectTwiceReusesThePendingLogin(t *testing.T) {
	e := newEnv(t)
	m := e.manager()
	inst := e.instance("support")

	first, err := m.Connect(ctxT(t), e.row(inst), "")
	if err != nil || first.QR == "" {
		t.Fatalf("first connect: %+v %v", first, err)
	}
	s := m.lookup(inst.ID)
	s.mu.Lock()
	cli := s.cli
	s.mu.Unlock()

	second, err := m.Connect(ctxT(t), e.row(inst), "")
	if err != nil || second.QR == "" {
		t.Fatalf("second connect: %+v %v", second, err)
	}
	s.mu.Lock()
	same := s.cli == cli
	s.mu.Unlock()
	if !same {
		t.Fatal("a second connect replaced the pending login's client")
	}
	if second.QR != first.QR {
		t.Fatalf("the pending login's QR changed without rotating: %q vs %q", first.QR, second.QR)
	}
	if st := m.Status(e.row(inst)); st.State != switchboard.StateConnecting {
		t.Fatalf("status while the login is pending: %+v", st)
	}

	// The QR handed out first still pairs.
	if _, err := e.sim.ScanQR(ctxT(t), first.QR, "5511977776666"); err != nil {
		t.Fatalf("ScanQR: %v", err)
	}
	e.waitState(m, inst, switchboard.StateConnected)
}

func TestConnectWithPhoneReturnsPairingCode(t *testing.T) {
	e := newEnv(t)
	m := e.manager()
	inst := e.instance("code")

	code, err := m.Connect(ctxT(t), e.row(inst), "5511966665555")
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if len(code.PairCode) != 9 || code.PairCode[4] != '-' {
		t.Fatalf("pairing code %q", code.PairCode)
	}
	if _, err := e.sim.EnterPairCode(ctxT(t), "5511966665555", code.PairCode); err != nil {
		t.Fatalf("EnterPairCode: %v", err)
	}
	st := e.waitState(m, inst, switchboard.StateConnected)
	if st.NumberJID != "5511966665555@s.whatsapp.net" {
		t.Fatalf("status %+v", st)
	}
	eventually(t, "device saved", func() bool { return e.row(inst).DeviceJID != "" })
}

func TestConnectRejectsABadPhoneNumber(t *testing.T) {
	e := newEnv(t)
	m := e.manager()
	inst := e.instance("bad-phone")

	_, err := m.Connect(ctxT(t), e.row(inst), "0123456789")
	if !switchboard.IsCode(err, switchboard.CodeInvalid) {
		t.Fatalf("Connect with a national number: %v", err)
	}
	if st := m.Status(e.row(inst)); st.State != switchboard.StateDisconnected {
		t.Fatalf("status after a refused pairing code: %+v", st)
	}
	// Nothing pending was leaked: a QR connect starts cleanly.
	e.pairQR(m, inst, "5511955554444")
}

func TestConnectTimesOutWithoutQR(t *testing.T) {
	e := newEnv(t)
	m := e.manager()
	inst := e.instance("slow")
	// Hold the connection at the websocket level: the simulator answers nothing for a while.
	ctx, cancel := context.WithCancel(ctxT(t))
	cancel() // an already-ended request never gets a code
	_, err := m.Connect(ctx, e.row(inst), "")
	if err == nil {
		t.Fatal("Connect with an ended context succeeded")
	}
	if !switchboard.IsCode(err, switchboard.CodeTimeout) {
		t.Fatalf("error %v (code %s), want timeout", err, switchboard.ErrorCodeOf(err))
	}
	if s := m.lookup(inst.ID); s != nil {
		s.mu.Lock()
		cli := s.cli
		s.mu.Unlock()
		if cli != nil {
			t.Fatal("a timed-out connect left a client behind")
		}
	}
}

func TestReconnectWithoutSavedSession(t *testing.T) {
	e := newEnv(t)
	m := e.manager()
	inst := e.instance("never-paired")
	err := m.Reconnect(ctxT(t), e.row(inst))
	if !switchboard.IsCode(err, switchboard.CodeInvalid) || switchboard.ErrorMessageOf(err) != msgNoSession {
		t.Fatalf("Reconnect: %v", err)
	}
}

func TestReconnectAfterRestartNeedsNoQR(t *testing.T) {
	e := newEnv(t)
	first := e.manager()
	inst := e.instance("restart")
	e.pairQR(first, inst, "5511944443333")
	first.Close()

	if st := first.Status(e.row(inst)); st.State == switchboard.StateConnected {
		t.Fatalf("status after Close: %+v", st)
	}
	dev := e.deviceJID(inst)
	eventually(t, "simulator sees the device offline", func() bool {
		d, ok := e.sim.Device(dev)
		return ok && !d.Online
	})

	second := e.manager()
	row := e.row(inst)
	if st := second.Status(row); st.State != switchboard.StateDisconnected || st.NumberJID != "5511944443333@s.whatsapp.net" {
		t.Fatalf("status on a fresh manager: %+v", st)
	}
	if err := second.Reconnect(ctxT(t), row); err != nil {
		t.Fatalf("Reconnect: %v", err)
	}
	e.waitState(second, inst, switchboard.StateConnected)
	s := second.lookup(inst.ID)
	s.mu.Lock()
	pendingLogin := s.login != nil
	s.mu.Unlock()
	if pendingLogin {
		t.Fatal("reconnect started a QR login")
	}
	if got := e.deviceJID(inst); got != dev {
		t.Fatalf("device changed: %s -> %s", dev, got)
	}
}

func TestConnectResumesASavedSession(t *testing.T) {
	e := newEnv(t)
	first := e.manager()
	inst := e.instance("resume")
	e.pairQR(first, inst, "5511933332222")
	dev := e.deviceJID(inst)
	first.Close()

	second := e.manager()
	code, err := second.Connect(ctxT(t), e.row(inst), "")
	if err != nil || !code.Connected || code.QR != "" {
		t.Fatalf("Connect with a saved session: %+v %v", code, err)
	}
	if got := e.deviceJID(inst); got != dev {
		t.Fatalf("device changed: %s -> %s", dev, got)
	}
	if n := len(e.sim.Snapshot().Devices); n != 1 {
		t.Fatalf("simulator has %d devices, want the one paired", n)
	}
}

func TestPendingLoginEndsWhenTheConnectionDrops(t *testing.T) {
	e := newEnv(t)
	m := e.manager()
	inst := e.instance("dropped-login")
	if _, err := m.Connect(ctxT(t), e.row(inst), ""); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	_ = e.sim.Close() // the pre-login websocket dies: whatsmeow ends the QR channel
	s := m.lookup(inst.ID)
	eventually(t, "the login to be dropped", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.cli == nil && s.login == nil && s.state == switchboard.StateDisconnected
	})
}

func TestConcurrentConnectsShareOneLogin(t *testing.T) {
	e := newEnv(t)
	m := e.manager()
	inst := e.instance("crowd")
	const n = 5
	codes := make(chan switchboard.LoginCode, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			code, err := m.Connect(ctxT(t), e.row(inst), "")
			codes <- code
			errs <- err
		}()
	}
	seen := map[string]bool{}
	for range n {
		if err := <-errs; err != nil {
			t.Fatalf("Connect: %v", err)
		}
		seen[(<-codes).QR] = true
	}
	if len(seen) != 1 || seen[""] {
		t.Fatalf("concurrent connects got %d different QR codes", len(seen))
	}
	for qr := range seen {
		if _, err := e.sim.ScanQR(ctxT(t), qr, "5511955550000"); err != nil {
			t.Fatalf("ScanQR: %v", err)
		}
	}
	e.waitState(m, inst, switchboard.StateConnected)
}

func TestQRCodesRotateThenTheLoginExpires(t *testing.T) {
	e := newEnv(t)
	m := e.manager()
	m.qrFirstCodeLifetime, m.qrCodeLifetime = 300*time.Millisecond, 100*time.Millisecond
	inst := e.instance("expiring")

	first, err := m.Connect(ctxT(t), e.row(inst), "")
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	s := m.lookup(inst.ID)
	eventually(t, "the next QR code", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.login != nil && s.login.qr != first.QR
	})
	eventually(t, "the login to expire", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.cli == nil && s.login == nil && s.state == switchboard.StateDisconnected
	})
	// An expired code no longer pairs; a new Connect starts a new login that does.
	if _, err := e.sim.ScanQR(ctxT(t), first.QR, "5511944440000"); err == nil {
		t.Fatal("an expired login still paired")
	}
	m.qrFirstCodeLifetime = qrFirstCodeLifetime
	e.pairQR(m, inst, "5511944440000")
}
