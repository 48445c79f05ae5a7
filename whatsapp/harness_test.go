package whatsapp

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types"
	"go.uber.org/goleak"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/internal/testkit"
	"github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/wasim"
	"github.com/switchboard/switchboard/wasim/wasimtest"
)

// TestMain installs the simulator's trust root once (whatsmeow.WACertPubKey is process-global)
// and checks that no test leaves a goroutine behind: Close must stop everything it started.
func TestMain(m *testing.M) {
	wasimtest.SharedRoot()
	goleak.VerifyTestMain(m,
		// Upstream whatsmeow (pinned version): NoiseSocket.Stop stops the frame consumer before
		// closing the websocket, so a frame that arrives in between leaves FrameSocket's read
		// pump blocked forever on its unbuffered Frames channel. It happens when a client is
		// disconnected while the server is sending; nothing outside whatsmeow can drain it.
		goleak.IgnoreTopFunction("go.mau.fi/whatsmeow/socket.(*FrameSocket).frameComplete"),
	)
}

// waitTimeout bounds every wait of these tests; generous for -race on two shared cores.
const waitTimeout = 60 * time.Second

// env is one test's world: a simulator, and one SQLite file holding the gateway's tables and
// whatsmeow's device store (opened by the real store package, as the server does), with
// managers created on it (several, to simulate restarts).
type env struct {
	t         *testing.T
	sim       *wasim.Server
	store     *store.Store
	container *sqlstore.Container
	instances *countingInstances
	accountID int64
	logger    *slog.Logger
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, sim: wasimtest.NewServer(t, wasim.Config{TraceSize: -1})}
	e.logger = slog.New(slog.DiscardHandler)
	if os.Getenv("WHATSAPP_TEST_LOG") != "" {
		e.logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "switchboard.db"), e.logger)
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	e.store = st
	if e.container, err = st.Whatsmeow(ctx, nil); err != nil {
		t.Fatalf("store.Whatsmeow: %v", err)
	}
	acc, err := st.CreateAccount(ctx, "test", 0, switchboard.HashToken(switchboard.NewToken(switchboard.AccountTokenPrefix)))
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	e.accountID = acc.ID
	e.instances = &countingInstances{InstanceStore: st}
	return e
}

// countingInstances counts session writes, to check that reconnects do not rewrite rows.
type countingInstances struct {
	switchboard.InstanceStore
	writes atomic.Int64
}

func (c *countingInstances) SetSession(ctx context.Context, id int64, deviceJID string, autoConnect, loggedOut bool) error {
	c.writes.Add(1)
	return c.InstanceStore.SetSession(ctx, id, deviceJID, autoConnect, loggedOut)
}

func (e *env) options() Options {
	return Options{
		Container: e.container,
		Instances: e.instances,
		// As the server on SQLite: the pairings of these tests make their prekeys this way.
		GeneratePreKeys: e.store.GenerateWhatsmeowPreKeys,
		Logger:          e.logger,
		HTTPClient:      e.sim.HTTPClient(),
	}
}

// manager starts a manager, closed at the end of the test (Close is idempotent, so a test may
// close it earlier to simulate a restart).
func (e *env) manager(mod ...func(*Options)) *Manager {
	o := e.options()
	for _, f := range mod {
		f(&o)
	}
	m := NewManager(o)
	e.t.Cleanup(m.Close)
	return m
}

// instance creates an instance row.
func (e *env) instance(name string) *switchboard.Instance {
	inst := &switchboard.Instance{AccountID: e.accountID, Name: name, Settings: switchboard.DefaultSettings()}
	hash := switchboard.HashToken(switchboard.NewToken(switchboard.InstanceTokenPrefix))
	if err := e.store.CreateInstance(context.Background(), inst, hash, 0); err != nil {
		e.t.Fatalf("create instance: %v", err)
	}
	return inst
}

// row reloads an instance as the HTTP layer would for each request.
func (e *env) row(inst *switchboard.Instance) *switchboard.Instance {
	got, err := e.store.InstanceByID(context.Background(), inst.ID)
	if err != nil {
		e.t.Fatalf("reload instance: %v", err)
	}
	return got
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	t.Cleanup(cancel)
	return ctx
}

// eventually polls cond until it holds or the wait times out.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testkit.Eventually(t, waitTimeout, what, cond)
}

// waitState waits until the live status (read with a fresh row) is state.
func (e *env) waitState(m *Manager, inst *switchboard.Instance, state switchboard.InstanceState) switchboard.ConnectionStatus {
	e.t.Helper()
	var st switchboard.ConnectionStatus
	eventually(e.t, "state "+string(state), func() bool {
		st = m.Status(e.row(inst))
		return st.State == state
	})
	return st
}

// pairQR connects inst, scans its QR as phone, and waits until it is connected.
func (e *env) pairQR(m *Manager, inst *switchboard.Instance, phone string) {
	e.t.Helper()
	code, err := m.Connect(ctxT(e.t), e.row(inst), "")
	if err != nil {
		e.t.Fatalf("Connect: %v", err)
	}
	if code.QR == "" {
		e.t.Fatalf("Connect returned no QR code: %+v", code)
	}
	if _, err := e.sim.ScanQR(ctxT(e.t), code.QR, phone); err != nil {
		e.t.Fatalf("ScanQR: %v", err)
	}
	e.waitState(m, inst, switchboard.StateConnected)
	eventually(e.t, "device saved in the row", func() bool { return e.row(inst).DeviceJID != "" })
}

// pairMany pairs instances by QR at once (phones[i] for insts[i]): the scans run concurrently,
// which keeps tests that need many paired instances short.
func (e *env) pairMany(m *Manager, insts []*switchboard.Instance, phones []string) {
	e.t.Helper()
	codes := make([]string, len(insts))
	for i, inst := range insts {
		code, err := m.Connect(ctxT(e.t), e.row(inst), "")
		if err != nil || code.QR == "" {
			e.t.Fatalf("Connect %s: %+v %v", inst.Name, code, err)
		}
		codes[i] = code.QR
	}
	errs := make(chan error, len(insts))
	for i := range insts {
		go func() {
			_, err := e.sim.ScanQR(ctxT(e.t), codes[i], phones[i])
			errs <- err
		}()
	}
	for range insts {
		if err := <-errs; err != nil {
			e.t.Fatalf("ScanQR: %v", err)
		}
	}
	for _, inst := range insts {
		e.waitState(m, inst, switchboard.StateConnected)
		eventually(e.t, "device saved in the row", func() bool { return e.row(inst).DeviceJID != "" })
	}
}

// deviceJID is the instance's paired device as the row records it.
func (e *env) deviceJID(inst *switchboard.Instance) types.JID {
	e.t.Helper()
	j, err := types.ParseJID(e.row(inst).DeviceJID)
	if err != nil {
		e.t.Fatalf("row device jid: %v", err)
	}
	return j
}
