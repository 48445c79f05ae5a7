package httpapi

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/switchboard/switchboard"
)

// backingStore is what the API needs from package store.
type backingStore interface {
	switchboard.AccountStore
	switchboard.InstanceStore
}

// faultyStore wraps any backingStore and makes chosen methods fail once, to test 500s on the
// real store as well as on memStore.
type faultyStore struct {
	backingStore
	mu     sync.Mutex
	failOn map[string]error
}

func newFaultyStore(b backingStore) *faultyStore {
	return &faultyStore{backingStore: b, failOn: map[string]error{}}
}

// failOnce makes the next call of method fail with err.
func (f *faultyStore) failOnce(method string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failOn[method] = err
}

func (f *faultyStore) fail(method string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	err := f.failOn[method]
	delete(f.failOn, method)
	return err
}

func (f *faultyStore) AccountByTokenHash(ctx context.Context, hash string) (*switchboard.Account, error) {
	if err := f.fail("AccountByTokenHash"); err != nil {
		return nil, err
	}
	return f.backingStore.AccountByTokenHash(ctx, hash)
}

func (f *faultyStore) CreateInstance(ctx context.Context, inst *switchboard.Instance, hash string, max int) error {
	if err := f.fail("CreateInstance"); err != nil {
		return err
	}
	return f.backingStore.CreateInstance(ctx, inst, hash, max)
}

func (f *faultyStore) InstanceByName(ctx context.Context, accountID int64, name string) (*switchboard.Instance, error) {
	if err := f.fail("InstanceByName"); err != nil {
		return nil, err
	}
	return f.backingStore.InstanceByName(ctx, accountID, name)
}

func (f *faultyStore) ListInstances(ctx context.Context, accountID int64) ([]*switchboard.Instance, error) {
	if err := f.fail("ListInstances"); err != nil {
		return nil, err
	}
	return f.backingStore.ListInstances(ctx, accountID)
}

func (f *faultyStore) RotateInstanceToken(ctx context.Context, id int64, hash string) error {
	if err := f.fail("RotateInstanceToken"); err != nil {
		return err
	}
	return f.backingStore.RotateInstanceToken(ctx, id, hash)
}

func (f *faultyStore) SetSettings(ctx context.Context, id int64, s switchboard.Settings) error {
	if err := f.fail("SetSettings"); err != nil {
		return err
	}
	return f.backingStore.SetSettings(ctx, id, s)
}

// fakeSessions is a minimal Sessions double: a settable status per instance id, a scripted
// Connect, and a call log.
type fakeSessions struct {
	mu       sync.Mutex
	status   map[int64]switchboard.ConnectionStatus
	connect  func(ctx context.Context, inst *switchboard.Instance, phone string) (switchboard.LoginCode, error)
	failWith error // returned by Reconnect, Logout and Remove when set
	calls    []string
}

func newFakeSessions() *fakeSessions {
	return &fakeSessions{status: map[int64]switchboard.ConnectionStatus{}}
}

func (f *fakeSessions) record(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call)
}

func (f *fakeSessions) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeSessions) setStatus(id int64, st switchboard.ConnectionStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status[id] = st
}

func (f *fakeSessions) Status(inst *switchboard.Instance) switchboard.ConnectionStatus {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status[inst.ID]
}

func (f *fakeSessions) Connect(ctx context.Context, inst *switchboard.Instance, phone string) (switchboard.LoginCode, error) {
	f.record("connect " + inst.Name + " " + phone)
	if f.connect != nil {
		return f.connect(ctx, inst, phone)
	}
	if phone != "" {
		return switchboard.LoginCode{PairCode: "ABCD-EFGH"}, nil
	}
	return switchboard.LoginCode{QR: "2@fake-ref,noise,identity,adv"}, nil
}

func (f *fakeSessions) Reconnect(_ context.Context, inst *switchboard.Instance) error {
	f.record("reconnect " + inst.Name)
	return f.failWith
}

func (f *fakeSessions) Logout(_ context.Context, inst *switchboard.Instance) error {
	f.record("logout " + inst.Name)
	return f.failWith
}

func (f *fakeSessions) Remove(_ context.Context, inst *switchboard.Instance) error {
	f.record("remove " + inst.Name)
	return f.failWith
}

// Pacer paces nothing: the handler tests here are about answers, not timing; pacing is tested
// with the session manager in package whatsapp and end to end.
func (f *fakeSessions) Pacer(*switchboard.Instance) *switchboard.Pacer {
	return switchboard.NewPacer(0)
}

func (f *fakeSessions) Groups(*switchboard.Instance) (switchboard.GroupClient, error) {
	return nil, switchboard.Errorf(switchboard.CodeNotConnected, "Instance is not connected to WhatsApp")
}

func (f *fakeSessions) Messages(*switchboard.Instance) (switchboard.MessageClient, error) {
	return nil, switchboard.Errorf(switchboard.CodeNotConnected, "Instance is not connected to WhatsApp")
}

// fakeClock is a settable clock for the limiter.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeSealer "encrypts" by prefixing with the instance id, so tests can see that sealing
// happened and for which row.
type fakeSealer struct{}

func (fakeSealer) Seal(p []byte, instanceID int64) ([]byte, error) {
	return append([]byte("sealed:"+strconv.FormatInt(instanceID, 10)+":"), p...), nil
}

func (fakeSealer) Open(p []byte, instanceID int64) ([]byte, error) {
	plain, ok := bytes.CutPrefix(p, []byte("sealed:"+strconv.FormatInt(instanceID, 10)+":"))
	if !ok {
		return nil, errors.New("not sealed for this instance")
	}
	return plain, nil
}
