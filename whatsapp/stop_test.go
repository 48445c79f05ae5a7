package whatsapp

import (
	"context"
	"sync"
	"testing"

	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
)

// TestMessageReachingAStoppedClientIsLeftForTheNextOwner is the chaos test's lost phone message
// (issue 16), made deterministic. A client being stopped (a node releasing an instance to
// another, or shutting down) can still dispatch a message it had already read once the
// session's handler is gone. whatsmeow counts an event no handler refused as handled: it acks it
// and clears its decrypted plaintext from the buffer in the shared device store, so when
// WhatsApp redelivers it to the instance's next owner, that client finds it "already processed"
// and drops it, and nobody stores it. Here the handler is retired the way stopClient retires it,
// with the client still connected; the phone's message then reaches it; the instance is released
// and adopted by a second manager (another node on the same stores), which must store it.
func TestMessageReachingAStoppedClientIsLeftForTheNextOwner(t *testing.T) {
	e := newEnv(t)
	m1 := e.manager(func(o *Options) { o.Messages = e.store })
	inst := e.instance("shop")
	e.pairQR(m1, inst, "15550710001")
	contact, err := e.sim.RegisterPhone("15550710002", "Contact")
	if err != nil {
		t.Fatal(err)
	}

	s := m1.lookup(inst.ID)
	s.mu.Lock()
	cli, handler := s.cli, s.handler
	s.mu.Unlock()
	// An observer that handles nothing tells when the retired client dispatched the message.
	var mu sync.Mutex
	dispatched := map[string]bool{}
	cli.AddEventHandler(func(evt any) {
		if msg, ok := evt.(*events.Message); ok {
			mu.Lock()
			dispatched[msg.Info.ID] = true
			mu.Unlock()
		}
	})
	retireHandler(cli, handler) // what stopClient does before it disconnects

	id, err := e.sim.PhoneSendText(ctxT(t), contact.User, types.NewJID("15550710001", types.DefaultUserServer), "in the window")
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, "the message dispatched by the retired client", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return dispatched[id]
	})
	if _, err := e.store.Message(context.Background(), inst.ID, id); err == nil {
		t.Fatal("the retired client's session stored the message: the handler was not retired")
	}
	m1.Release(e.row(inst))

	m2 := e.manager(func(o *Options) { o.Messages = e.store })
	m2.Adopt(ctxT(t), e.row(inst))
	eventually(t, "the message stored by the next owner", func() bool {
		_, err := e.store.Message(context.Background(), inst.ID, id)
		return err == nil
	})
}
