package outbox

import (
	"bytes"
	"context"
	"sync"

	"github.com/switchboard/switchboard"
)

// The live stream feeds WebSocket clients: every event committed by Emit is published, after the
// commit, to the subscribers of its instance. Live frames are at most once (RyzeAPI: the
// WebSocket has no persistence); Replay reads the outbox for clients resuming with ?since=.
//
// A frame carries the same enriched body a webhook gets (media.url, media.s3Url, and media.base64
// for a subscriber whose WebSocket configuration has mediaBase64, RyzeAPI 2.5.3). Events are
// published from inside WhatsApp's handler, where no download may run, so the frame of an event
// with media is queued at once, in order, with a pending body that a goroutine completes (the
// download shared with the webhooks through the enricher's SharedMedia); the connection waits for
// it before writing that frame and the ones after it.

// StreamBuffer is how many frames a subscriber may lag behind before it is dropped: a slow
// consumer is disconnected (it reconnects with ?since=) rather than buffered without bound.
const StreamBuffer = 256

// streamEnrichers bounds the media downloads running for live frames at once.
const streamEnrichers = 8

// streamStore is what the stream needs beyond Store.
type streamStore interface {
	EventsSince(ctx context.Context, instanceID, afterSeq int64, limit int) ([]switchboard.Event, string, error)
}

type instanceReader interface {
	InstanceByID(ctx context.Context, id int64) (*switchboard.Instance, error)
}

type subscriber struct {
	frames      chan switchboard.EventFrame
	overflow    chan struct{}
	once        sync.Once
	mediaBase64 bool
}

func (s *subscriber) drop() { s.once.Do(func() { close(s.overflow) }) }

type hub struct {
	mu    sync.Mutex
	subs  map[int64]map[*subscriber]struct{}
	names map[int64]string // instance names, learnt from Replay or looked up on first publish
	// enrichers holds a slot per media enrichment running for live frames.
	enrichers chan struct{}
}

// Subscribe registers a live subscriber of the instance's events; mediaBase64 is its WebSocket
// configuration's (the file inline in media.base64). frames delivers them in order; overflow is
// closed when the subscriber fell StreamBuffer frames behind and was dropped; cancel unregisters
// it.
func (ob *Outbox) Subscribe(instanceID int64, mediaBase64 bool) (frames <-chan switchboard.EventFrame, overflow <-chan struct{}, cancel func()) {
	s := &subscriber{frames: make(chan switchboard.EventFrame, StreamBuffer), overflow: make(chan struct{}), mediaBase64: mediaBase64}
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

// Replay returns up to limit stored events of the instance after afterSeq, encoded and enriched
// as live frames are (it runs in the reader's goroutine, so media is fetched right here).
func (ob *Outbox) Replay(ctx context.Context, instanceID, afterSeq int64, limit int, mediaBase64 bool) ([]switchboard.EventFrame, error) {
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
		body, err := ob.o.Encode(ob.enrich(ctx, e, name, mediaBase64), name)
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
	var plain switchboard.EventFrame
	media := hasMedia(e)
	if !media {
		body, err := ob.o.Encode(e, name)
		if err != nil {
			return
		}
		plain = switchboard.EventFrame{Seq: e.Seq, Type: e.Type, Body: body}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.names == nil {
		h.names = map[int64]string{}
	}
	h.names[e.InstanceID] = name
	inline := plain
	if media {
		// Decided under the lock of the fan-out, so every subscriber gets a body that will
		// be built, and no file is fetched for media.base64 that nobody wants.
		wantPlain, wantInline := false, false
		for s := range h.subs[e.InstanceID] {
			wantInline = wantInline || s.mediaBase64
			wantPlain = wantPlain || !s.mediaBase64
		}
		plain, inline = ob.enrichLater(e, name, wantPlain, wantInline)
	}
	for s := range h.subs[e.InstanceID] {
		frame := plain
		if s.mediaBase64 {
			frame = inline
		}
		select {
		case s.frames <- frame:
		default:
			s.drop()
			delete(h.subs[e.InstanceID], s)
		}
	}
}

// enrichLater returns the frames of an event with media, without and with media.base64 (those
// wanted), whose bodies a goroutine completes; the download behind both is one (SharedMedia).
// Called with the hub locked.
func (ob *Outbox) enrichLater(e switchboard.Event, name string, wantPlain, wantInline bool) (plain, inline switchboard.EventFrame) {
	type job struct {
		mediaBase64 bool
		set         func([]byte)
	}
	var jobs []job
	for _, v := range []struct {
		want        bool
		mediaBase64 bool
		frame       *switchboard.EventFrame
	}{{wantInline, true, &inline}, {wantPlain, false, &plain}} { // inline first: it fetches the file, which the other then finds shared
		if !v.want {
			continue
		}
		body, set := switchboard.NewPendingBody()
		*v.frame = switchboard.EventFrame{Seq: e.Seq, Type: e.Type, Later: body}
		jobs = append(jobs, job{v.mediaBase64, set})
	}
	if len(jobs) == 0 {
		return plain, inline // the subscribers left meanwhile: nothing to fetch
	}
	h := &ob.hub
	if h.enrichers == nil {
		h.enrichers = make(chan struct{}, streamEnrichers)
	}
	slots := h.enrichers
	go func() {
		select {
		case slots <- struct{}{}:
		case <-ob.ctx.Done():
			for _, j := range jobs {
				j.set(nil)
			}
			return
		}
		defer func() { <-slots }()
		for _, j := range jobs {
			body, err := ob.o.Encode(ob.enrich(ob.ctx, e, name, j.mediaBase64), name)
			if err != nil {
				body = nil
			}
			j.set(body)
		}
	}()
	return plain, inline
}

// enrich completes an event as the webhooks get it.
func (ob *Outbox) enrich(ctx context.Context, e switchboard.Event, name string, mediaBase64 bool) switchboard.Event {
	if ob.o.Enrich != nil {
		e.Data = ob.o.Enrich.Enrich(ctx, e, name, mediaBase64)
	}
	return e
}

// hasMedia reports an event whose enrichment may fetch a file (a message with an attachment).
func hasMedia(e switchboard.Event) bool {
	return e.Type == switchboard.EventMessageExchange && bytes.Contains(e.Data, []byte(`"media":`))
}
