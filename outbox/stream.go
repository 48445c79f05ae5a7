package outbox

import (
	"context"
	"sync"

	"github.com/switchboard/switchboard"
)

// The live stream feeds WebSocket clients: every event committed by Emit is published, after the
// commit, to the subscribers of its instance. Live frames are at most once (RyzeAPI: the
// WebSocket has no persistence); Replay reads the outbox for clients resuming with ?since=.

// StreamBuffer is how many frames a subscriber may lag behind before it is dropped: a slow
// consumer is disconnected (it reconnects with ?since=) rather than buffered without bound.
const StreamBuffer = 256

// streamStore is what the stream needs beyond Store.
type streamStore interface {
	EventsSince(ctx context.Context, instanceID, afterSeq int64, limit int) ([]switchboard.Event, string, error)
}

type instanceReader interface {
	InstanceByID(ctx context.Context, id int64) (*switchboard.Instance, error)
}

type subscriber struct {
	frames   chan switchboard.EventFrame
	overflow chan struct{}
	once     sync.Once
}

func (s *subscriber) drop() { s.once.Do(func() { close(s.overflow) }) }

type hub struct {
	mu    sync.Mutex
	subs  map[int64]map[*subscriber]struct{}
	names map[int64]string // instance names, learnt from Replay or looked up on first publish
}

// Subscribe registers a live subscriber of the instance's events. frames delivers them in
// order; overflow is closed when the subscriber fell StreamBuffer frames behind and was dropped;
// cancel unregisters it.
func (ob *Outbox) Subscribe(instanceID int64) (frames <-chan switchboard.EventFrame, overflow <-chan struct{}, cancel func()) {
	s := &subscriber{frames: make(chan switchboard.EventFrame, StreamBuffer), overflow: make(chan struct{})}
	h := &ob.hub
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[int64]map[*subscriber]struct{}{}
	}
	if h.subs[instanceID] == nil {
		h.subs[instanceID] = map[*subscriber]struct{}{}
	}
	h.subs[instanceID][s] = struct{}{}
	h.mu.Unlock()
	return s.frames, s.overflow, func() {
		h.mu.Lock()
		delete(h.subs[instanceID], s)
		if len(h.subs[instanceID]) == 0 {
			delete(h.subs, instanceID)
		}
		h.mu.Unlock()
	}
}

// Replay returns up to limit stored events of the instance after afterSeq, encoded.
func (ob *Outbox) Replay(ctx context.Context, instanceID, afterSeq int64, limit int) ([]switchboard.EventFrame, error) {
	st, ok := ob.o.Store.(streamStore)
	if !ok || ob.o.Encode == nil {
		return nil, nil
	}
	events, name, err := st.EventsSince(ctx, instanceID, afterSeq, limit)
	if err != nil {
		return nil, err
	}
	out := make([]switchboard.EventFrame, 0, len(events))
	for _, e := range events {
		body, err := ob.o.Encode(ob.linkMedia(ctx, e, name), name)
		if err != nil {
			return nil, err
		}
		out = append(out, switchboard.EventFrame{Seq: e.Seq, Type: e.Type, Body: body})
	}
	return out, nil
}

// publish hands a committed event to its instance's subscribers. Nothing is encoded when nobody
// listens. Called in commit order per instance by Emit's callers (one writer per instance's
// state emitter or whatsmeow handler), so frames keep the sequence order.
func (ob *Outbox) publish(ctx context.Context, e switchboard.Event) {
	if e.OnlyWebhook != 0 {
		return
	}
	h := &ob.hub
	h.mu.Lock()
	n := len(h.subs[e.InstanceID])
	name := h.names[e.InstanceID]
	h.mu.Unlock()
	if n == 0 || ob.o.Encode == nil {
		return
	}
	if name == "" {
		st, ok := ob.o.Store.(instanceReader)
		if !ok {
			return
		}
		inst, err := st.InstanceByID(ctx, e.InstanceID)
		if err != nil {
			ob.log.Warn("naming an instance for its stream", "instance_id", e.InstanceID, "err", err)
			return
		}
		name = inst.Name
	}
	body, err := ob.o.Encode(ob.linkMedia(ctx, e, name), name)
	if err != nil {
		return
	}
	frame := switchboard.EventFrame{Seq: e.Seq, Type: e.Type, Body: body}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.names == nil {
		h.names = map[int64]string{}
	}
	h.names[e.InstanceID] = name
	for s := range h.subs[e.InstanceID] {
		select {
		case s.frames <- frame:
		default:
			s.drop()
			delete(h.subs[e.InstanceID], s)
		}
	}
}

// linkMedia gives a WebSocket frame what the enricher adds without fetching anything (media.url):
// live frames are published from inside WhatsApp's handler, where no download may run, so
// media.base64 is for webhooks only.
func (ob *Outbox) linkMedia(ctx context.Context, e switchboard.Event, name string) switchboard.Event {
	if ob.o.Enrich != nil {
		e.Data = ob.o.Enrich.Enrich(ctx, e, name, false)
	}
	return e
}
