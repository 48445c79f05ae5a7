package whatsapp

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/switchboard/switchboard"
)

// Start reconnects every paired instance that should be connected (Instances.
// AutoConnectInstances), with at most BootConcurrency handshakes in flight and a random pause of
// up to BootJitter before each, so a restart with many instances neither storms WhatsApp nor
// the database. A slot is held from opening the connection until WhatsApp answered the login
// (or BootLoginTimeout passed), which is what the cap is about.
//
// Instances whose device is no longer in the store are marked logged out: nothing can reconnect
// them, and a new Connect pairs again.
//
// Start returns when every instance has been tried; run it in a goroutine to serve meanwhile.
// It stops early when ctx ends or Close is called. Only listing the instances can fail it.
func (m *Manager) Start(ctx context.Context) error {
	insts, err := m.instances.AutoConnectInstances(ctx)
	if err != nil {
		return fmt.Errorf("whatsapp: listing instances to reconnect: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(m.ctx, cancel) // Close ends the boot too
	defer stop()

	queue := make(chan *switchboard.Instance)
	var workers sync.WaitGroup
	for range min(m.opts.BootConcurrency, len(insts)) {
		workers.Add(1)
		started := m.goTracked(func() {
			defer workers.Done()
			for inst := range queue {
				m.bootOne(ctx, inst)
			}
		})
		if !started {
			workers.Done()
		}
	}
	m.log.Info("reconnecting saved sessions", "instances", len(insts), "concurrency", m.opts.BootConcurrency)
	begin := time.Now()
feed:
	for _, inst := range insts {
		if inst.DeviceJID == "" || inst.LoggedOut {
			continue
		}
		select {
		case queue <- inst:
		case <-ctx.Done():
			break feed
		}
	}
	close(queue)
	workers.Wait()
	st := m.Stats()
	m.log.Info("saved sessions reconnected", "connected", st.Connected, "took", time.Since(begin).String(),
		"max_concurrent_handshakes", st.MaxConcurrentHandshakes)
	return nil
}

// bootOne reconnects one instance and holds the worker (its handshake slot) until WhatsApp
// answered.
func (m *Manager) bootOne(ctx context.Context, inst *switchboard.Instance) {
	if j := m.opts.BootJitter; j > 0 {
		t := time.NewTimer(rand.N(j))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
	}
	if ctx.Err() != nil {
		return
	}
	s, err := m.sessionFor(inst)
	if err != nil {
		return
	}
	if err := s.lock(ctx); err != nil {
		return
	}
	s.mu.Lock()
	pairing := s.login != nil
	s.mu.Unlock()
	if pairing {
		s.unlock() // someone is pairing a new device right now; leave it alone
		return
	}
	m.handshakeBegin()
	defer m.handshakeEnd()
	resumed, err := m.resume(ctx, s, inst, true)
	s.unlock() // do not block API calls on this instance while WhatsApp answers
	switch {
	case err != nil:
		s.log.Warn("reconnecting the saved session failed", "err", err)
		return
	case !resumed:
		s.log.Warn("saved session missing from the device store; marking the instance logged out", "device", inst.DeviceJID)
		if err := m.persist(ctx, s, rowState{loggedOut: true}); err == nil {
			s.setState(switchboard.StateLoggedOut, "")
		}
		return
	}
	wctx, cancel := context.WithTimeout(ctx, m.opts.BootLoginTimeout)
	defer cancel()
	if err := s.waitUntil(wctx, s.settledLocked); err != nil {
		s.log.Warn("WhatsApp has not answered the reconnect yet; whatsmeow keeps trying", "after", m.opts.BootLoginTimeout.String())
	}
}

func (m *Manager) handshakeBegin() {
	n := m.inFlight.Add(1)
	for {
		seen := m.maxInFlight.Load()
		if n <= seen || m.maxInFlight.CompareAndSwap(seen, n) {
			return
		}
	}
}

func (m *Manager) handshakeEnd() { m.inFlight.Add(-1) }
