package whatsapp

import (
	"context"
	"errors"
	"sync"
	"testing"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard"
)

// flakySink refuses the first message.exchange write, then stores like the outbox: once per
// dedupe key.
type flakySink struct {
	mu       sync.Mutex
	refused  int
	stored   map[string]switchboard.Event
	attempts map[string]int
}

func (f *flakySink) Emit(_ context.Context, e switchboard.Event) (switchboard.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if e.Type != switchboard.EventMessageExchange {
		return e, nil
	}
	f.attempts[e.DedupeKey]++
	if f.refused == 0 {
		f.refused++
		return e, errors.New("database unavailable")
	}
	if prev, ok := f.stored[e.DedupeKey]; ok {
		return prev, nil
	}
	f.stored[e.DedupeKey] = e
	return e, nil
}

func (f *flakySink) snapshot() (refused int, stored, attempts int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range f.attempts {
		attempts += n
	}
	return f.refused, len(f.stored), attempts
}

// TestFailedEventWriteIsRedelivered: when the outbox refuses a message's event, the handler
// reports failure, whatsmeow (synchronous acks) does not ack the message, and WhatsApp delivers
// it again at the next login; the event is then stored, once.
func TestFailedEventWriteIsRedelivered(t *testing.T) {
	e := newEnv(t)
	sink := &flakySink{stored: map[string]switchboard.Event{}, attempts: map[string]int{}}
	m := e.manager(func(o *Options) { o.Events = sink })
	inst := e.instance("shop")
	e.pairQR(m, inst, "15550700001")
	contact, err := e.sim.RegisterPhone("15550700002", "Contact")
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.sim.PhoneSendText(ctxT(t), contact.User, types.NewJID("15550700001", types.DefaultUserServer), "first try fails")
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the first write refused", func() bool { refused, _, _ := sink.snapshot(); return refused == 1 })
	// The message is still unacked: a new connection gets it again.
	if err := e.sim.DropConnection(e.deviceJID(inst)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the redelivered message stored", func() bool { _, stored, _ := sink.snapshot(); return stored == 1 })
	_, stored, attempts := sink.snapshot()
	key := messageKey(contact, id)
	sink.mu.Lock()
	_, ok := sink.stored[key]
	sink.mu.Unlock()
	if !ok || stored != 1 || attempts < 2 {
		t.Fatalf("stored %d events (key %q present: %v) after %d attempts", stored, key, ok, attempts)
	}
}
