// Package wasimtest helps tests of any package run real whatsmeow clients
// against a wasim simulator: a shared trust root, a simulator per test,
// clients on throwaway SQLite stores, QR pairing and event waiting.
package wasimtest

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite" // database/sql driver "sqlite" for the stores

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types/events"
	"go.mau.fi/whatsmeow/util/keys"
	waLog "go.mau.fi/whatsmeow/util/log"

	"github.com/switchboard/switchboard/wasim"
)

// Timeout bounds every wait of the harness. A healthy pairing takes well
// under a second; the margin is for loaded CI machines running -race.
const Timeout = 60 * time.Second

var (
	rootOnce sync.Once
	root     *keys.KeyPair
	storeSeq atomic.Int64
)

// SharedRoot returns this process's simulator root key and, on first use,
// installs it as whatsmeow's trust root. whatsmeow.WACertPubKey is global,
// so every simulator of a test binary must use this one root; call it from
// TestMain (or before the first client connects).
func SharedRoot() *keys.KeyPair {
	rootOnce.Do(func() {
		root = wasim.NewRootKey()
		wasim.InstallTrustRoot(*root.Pub)
	})
	return root
}

// ControlToken is the control API secret of the simulators NewServer starts (unless the test
// sets its own), so a test can drive them as a gateway started with --sandbox-url does.
const ControlToken = "wasimtest-control-token"

// NewServer starts a simulator on a loopback port with the shared root and
// closes it when the test ends. Its control API takes ControlToken unless cfg sets another.
func NewServer(tb testing.TB, cfg wasim.Config) *wasim.Server {
	tb.Helper()
	if cfg.RootKey == nil {
		cfg.RootKey = SharedRoot()
	}
	if cfg.ControlToken == "" {
		cfg.ControlToken = ControlToken
	}
	if cfg.Logger == nil && os.Getenv("WASIM_LOG") != "" {
		// WASIM_LOG=1 shows the simulator's own log (unhandled IQs, logins).
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	sim, err := wasim.New(cfg)
	if err != nil {
		tb.Fatalf("wasim.New: %v", err)
	}
	if err := sim.Listen("127.0.0.1:0"); err != nil {
		tb.Fatalf("wasim.Listen: %v", err)
	}
	tb.Cleanup(func() { _ = sim.Close() })
	return sim
}

// ClientLog is silent unless WASIM_CLIENT_LOG is set to a level
// (DEBUG shows every stanza the client sends and receives).
func ClientLog(name string) waLog.Logger {
	if lvl := os.Getenv("WASIM_CLIENT_LOG"); lvl != "" {
		return waLog.Stdout(name, lvl, false)
	}
	return waLog.Noop
}

// NewStore opens a whatsmeow SQLite store in a fresh file under the test's
// temporary directory.
func NewStore(tb testing.TB) *sqlstore.Container {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), fmt.Sprintf("whatsmeow-%d.db", storeSeq.Add(1)))
	container, err := OpenStore(context.Background(), path)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() {
		storeDBs.Delete(container)
		_ = container.Close()
	})
	return container
}

// OpenStore opens (creating if needed) a whatsmeow SQLite store file.
func OpenStore(ctx context.Context, path string) (*sqlstore.Container, error) {
	dsn := "file:" + path + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	container := sqlstore.NewWithDB(db, "sqlite", waLog.Noop)
	if err := container.Upgrade(ctx); err != nil {
		_ = container.Close()
		return nil, err
	}
	storeDBs.Store(container, db) // prekeys.go
	return container, nil
}

// Wire points all of a client's HTTP traffic at the simulator. Call it
// after any SetProxy call, which would overwrite it.
func Wire(cli *whatsmeow.Client, sim *wasim.Server) {
	h := sim.HTTPClient()
	cli.SetPreLoginHTTPClient(h)
	cli.SetWebsocketHTTPClient(h)
	cli.SetMediaHTTPClient(h)
}

// NewClient creates an unpaired client on a fresh store, wired to sim, with
// an event recorder attached. It is disconnected when the test ends.
func NewClient(tb testing.TB, sim *wasim.Server) (*whatsmeow.Client, *sqlstore.Container, *Recorder) {
	tb.Helper()
	container := NewStore(tb)
	cli := whatsmeow.NewClient(withBulkPreKeys(container, container.NewDevice()), ClientLog("client"))
	Wire(cli, sim)
	rec := Record(cli)
	tb.Cleanup(cli.Disconnect)
	return cli, container, rec
}

// NewPairedClient creates a client, pairs it with phone by QR ("" registers
// a new number) and returns once it is logged in (events.Connected).
func NewPairedClient(tb testing.TB, sim *wasim.Server, phone string) (*whatsmeow.Client, *sqlstore.Container) {
	tb.Helper()
	cli, container, _ := NewPairedClientRecorded(tb, sim, phone)
	return cli, container
}

// NewPairedClientRecorded is NewPairedClient that also returns the client's
// event recorder.
func NewPairedClientRecorded(tb testing.TB, sim *wasim.Server, phone string) (*whatsmeow.Client, *sqlstore.Container, *Recorder) {
	tb.Helper()
	cli, container, rec := NewClient(tb, sim)
	if err := cli.Connect(); err != nil {
		tb.Fatalf("connect: %v", err)
	}
	qr := WaitFor[*events.QR](tb, rec)
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	if _, err := sim.ScanQR(ctx, qr.Codes[0], phone); err != nil {
		tb.Fatalf("ScanQR: %v", err)
	}
	WaitFor[*events.Connected](tb, rec)
	if sim.BootstrapsLinks() {
		WaitBootstrapped(tb, rec)
	}
	return cli, container, rec
}

// WaitBootstrapped waits until a newly paired client has what its phone sends
// after linking: the app-state key share, then a full sync of every
// collection, the first of which sets the push name. The last collection
// whatsmeow syncs is regular_low (appstate.AllPatchNames).
func WaitBootstrapped(tb testing.TB, rec *Recorder) {
	tb.Helper()
	WaitForMatch(tb, rec, func(e *events.AppStateSyncComplete) bool { return e.Name == appstate.WAPatchRegularLow })
}

// Recorder keeps every event a client emitted, in order.
type Recorder struct {
	mu       sync.Mutex
	events   []any
	consumed map[int]bool
	changed  chan struct{}
}

// Record attaches a recorder to cli.
func Record(cli *whatsmeow.Client) *Recorder {
	r := &Recorder{consumed: make(map[int]bool), changed: make(chan struct{})}
	cli.AddEventHandler(func(evt any) {
		r.mu.Lock()
		r.events = append(r.events, evt)
		close(r.changed)
		r.changed = make(chan struct{})
		r.mu.Unlock()
	})
	return r
}

// Events returns all recorded events.
func (r *Recorder) Events() []any {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]any(nil), r.events...)
}

// Find returns the first unconsumed event of type T without waiting.
func Find[T any](r *Recorder) (T, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok, _ := findLocked[T](r, nil)
	return v, ok
}

func findLocked[T any](r *Recorder, match func(T) bool) (T, bool, chan struct{}) {
	for i, evt := range r.events {
		if v, ok := evt.(T); ok && !r.consumed[i] && (match == nil || match(v)) {
			r.consumed[i] = true
			return v, true, nil
		}
	}
	var zero T
	return zero, false, r.changed
}

// WaitFor returns the oldest not yet returned event of type T, waiting up to
// Timeout for it, and fails the test otherwise.
func WaitFor[T any](tb testing.TB, r *Recorder) T {
	tb.Helper()
	v, err := Await[T](r, Timeout)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// WaitForMatch is WaitFor for the oldest event of type T that match
// accepts; events it rejects stay available to later waits.
func WaitForMatch[T any](tb testing.TB, r *Recorder, match func(T) bool) T {
	tb.Helper()
	v, err := AwaitMatch(r, Timeout, match)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// Await is WaitFor for code without a testing.TB.
func Await[T any](r *Recorder, timeout time.Duration) (T, error) {
	return AwaitMatch[T](r, timeout, nil)
}

// AwaitMatch is WaitForMatch for code without a testing.TB.
func AwaitMatch[T any](r *Recorder, timeout time.Duration, match func(T) bool) (T, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		v, ok, changed := findLocked(r, match)
		r.mu.Unlock()
		if ok {
			return v, nil
		}
		select {
		case <-changed:
		case <-deadline.C:
			var zero T
			return zero, fmt.Errorf("wasimtest: no %T event within %s (got %s)", zero, timeout, r.summary())
		}
	}
}

func (r *Recorder) summary() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := ""
	for i, e := range r.events {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%T", e)
	}
	return "[" + s + "]"
}
