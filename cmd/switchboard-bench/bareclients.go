package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types/events"
	waLog "go.mau.fi/whatsmeow/util/log"

	sbstore "github.com/switchboard/switchboard/store"
	"github.com/switchboard/switchboard/whatsapp"
)

// The baselines use whatsmeow with nothing of the gateway around it: a client per device, the
// same transport to the simulator, and whatsmeow's sqlstore in one SQLite file opened with the
// gateway's settings (store.Open: WAL, busy timeout, the same pool), so the store costs the
// same on both sides.

// openBareStore opens (or creates) the SQLite file and whatsmeow's tables in it.
func openBareStore(ctx context.Context, path string) (*sbstore.Store, *sqlstore.Container, error) {
	st, err := sbstore.Open(ctx, "sqlite:"+path, nil)
	if err != nil {
		return nil, nil, err
	}
	container, err := st.Whatsmeow(ctx, waLog.Noop)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, container, nil
}

// newBareClient builds a client for dev that dials the simulator through h, reconnecting by
// itself like the gateway's clients.
func newBareClient(dev *store.Device, h *http.Client) *whatsmeow.Client {
	cli := whatsmeow.NewClient(dev, waLog.Noop)
	cli.EnableAutoReconnect = true
	cli.SetPreLoginHTTPClient(h)
	cli.SetWebsocketHTTPClient(h)
	return cli
}

// loginWatch turns a client's events into channels: the first QR code, and the first login
// (or its refusal).
type loginWatch struct {
	qr       chan string
	loggedIn chan error
}

func watchLogin(cli *whatsmeow.Client) *loginWatch {
	w := &loginWatch{qr: make(chan string, 1), loggedIn: make(chan error, 1)}
	cli.AddEventHandler(func(evt any) {
		switch e := evt.(type) {
		case *events.QR:
			select {
			case w.qr <- e.Codes[0]:
			default:
			}
		case *events.Connected:
			select {
			case w.loggedIn <- nil:
			default:
			}
		case *events.LoggedOut:
			select {
			case w.loggedIn <- fmt.Errorf("logged out: %v", e.Reason):
			default:
			}
		case *events.ConnectFailure:
			select {
			case w.loggedIn <- fmt.Errorf("connect failure: %v", e.Reason):
			default:
			}
		}
	})
	return w
}

// pairBare pairs a new device: connect, hand the first QR code to scan, wait for the login.
//
// pairBareWith's gen writes the first login's prekeys as the gateway does, in one statement (see
// whatsapp.PreKeyGenerator); whatsmeow's own 812 autocommits, one fsync each, made the baseline's
// setup several times slower than the gateway's. It changes how the keys are written, not what
// a client holds in memory once connected.
func pairBare(ctx context.Context, container *sqlstore.Container, h *http.Client, scan func(context.Context, string) error) (*whatsmeow.Client, error) {
	return pairBareWith(ctx, container, nil, h, scan)
}

// pairBareWith is pairBare with the prekeys written by gen (nil: whatsmeow's own writes).
func pairBareWith(ctx context.Context, container *sqlstore.Container, gen whatsapp.PreKeyGenerator, h *http.Client, scan func(context.Context, string) error) (*whatsmeow.Client, error) {
	cli := newBareClient(whatsapp.WithBatchedPreKeys(container.NewDevice(), gen), h)
	w := watchLogin(cli)
	if err := cli.Connect(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	select {
	case qr := <-w.qr:
		if err := scan(ctx, qr); err != nil {
			cli.Disconnect()
			return nil, err
		}
	case <-ctx.Done():
		cli.Disconnect()
		return nil, errors.New("no QR code within a minute")
	}
	select {
	case err := <-w.loggedIn:
		if err != nil {
			cli.Disconnect()
			return nil, err
		}
		return cli, nil
	case <-ctx.Done():
		cli.Disconnect()
		return nil, errors.New("not logged in within a minute of the scan")
	}
}

// pairBareMany pairs n devices, parallel at once.
func pairBareMany(ctx context.Context, container *sqlstore.Container, h *http.Client, n, parallel int, scan func(context.Context, string) error) ([]*whatsmeow.Client, error) {
	return pairBareManyWith(ctx, container, nil, h, n, parallel, scan)
}

// pairBareManyWith is pairBareMany with the prekeys written by gen (see pairBareWith).
func pairBareManyWith(ctx context.Context, container *sqlstore.Container, gen whatsapp.PreKeyGenerator, h *http.Client, n, parallel int, scan func(context.Context, string) error) ([]*whatsmeow.Client, error) {
	clients := make([]*whatsmeow.Client, n)
	errs := make([]error, n)
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			clients[i], errs[i] = pairBareWith(ctx, container, gen, h, scan)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		disconnectAll(clients)
		return nil, err
	}
	return clients, nil
}

// reconnectSaved connects every device of the store, at most limit handshakes at once; a
// handshake holds its slot from Connect until the login is answered, as the gateway's boot
// does. It returns the clients and the most handshakes seen in flight together.
func reconnectSaved(ctx context.Context, container *sqlstore.Container, h *http.Client, limit int) ([]*whatsmeow.Client, int, error) {
	devices, err := container.GetAllDevices(ctx)
	if err != nil {
		return nil, 0, err
	}
	var inFlight, maxInFlight atomic.Int64
	clients := make([]*whatsmeow.Client, len(devices))
	errs := make([]error, len(devices))
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i, dev := range devices {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			raiseTo(&maxInFlight, inFlight.Add(1))
			defer inFlight.Add(-1)
			clients[i], errs[i] = loginSaved(ctx, dev, h)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		disconnectAll(clients)
		return nil, 0, err
	}
	return clients, int(maxInFlight.Load()), nil
}

// loginSaved connects a paired device and waits for WhatsApp's answer.
func loginSaved(ctx context.Context, dev *store.Device, h *http.Client) (*whatsmeow.Client, error) {
	cli := newBareClient(dev, h)
	w := watchLogin(cli)
	if err := cli.Connect(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	select {
	case err := <-w.loggedIn:
		if err != nil {
			cli.Disconnect()
			return nil, fmt.Errorf("%s: %w", dev.ID, err)
		}
		return cli, nil
	case qr := <-w.qr:
		cli.Disconnect()
		return nil, fmt.Errorf("%s asked for a new QR code (%.20s...)", dev.ID, qr)
	case <-ctx.Done():
		cli.Disconnect()
		return nil, fmt.Errorf("%s: no login within a minute", dev.ID)
	}
}

// disconnectAll closes the clients, a few at a time (each waits for the websocket to close).
func disconnectAll(clients []*whatsmeow.Client) {
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	for _, cli := range clients {
		if cli == nil {
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			cli.Disconnect()
		}()
	}
	wg.Wait()
}

// raiseTo stores n in highest if it is larger, safely against concurrent raisers.
func raiseTo(highest *atomic.Int64, n int64) {
	for {
		seen := highest.Load()
		if n <= seen || highest.CompareAndSwap(seen, n) {
			return
		}
	}
}
