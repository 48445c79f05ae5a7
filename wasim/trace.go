package wasim

import (
	"sync"
	"time"

	waBinary "go.mau.fi/whatsmeow/binary"
)

// maxTraceXML caps one trace entry: a first prekey upload renders to
// hundreds of kilobytes, and the ring would otherwise pin megabytes.
const maxTraceXML = 16 << 10

// TraceEntry is one stanza as the simulator saw it.
type TraceEntry struct {
	Time   time.Time
	Dir    string // "in" (client → server) or "out"
	Device string // device AD JID after login, "conn-N" before
	Tag    string
	XMLNS  string
	Type   string
	XML    string
}

// traceRing keeps the most recent stanzas for assertions such as "the
// gateway sent exactly one links IQ".
type traceRing struct {
	mu      sync.Mutex
	entries []TraceEntry
	next    int
	full    bool
}

func newTraceRing(size int) *traceRing {
	if size < 0 {
		return nil
	}
	return &traceRing{entries: make([]TraceEntry, size)}
}

func (t *traceRing) add(device, dir string, n *waBinary.Node) {
	if t == nil || len(t.entries) == 0 {
		return
	}
	xml := n.String()
	if len(xml) > maxTraceXML {
		xml = xml[:maxTraceXML] + "…(truncated)"
	}
	e := TraceEntry{
		Time: time.Now(), Dir: dir, Device: device, Tag: n.Tag,
		XMLNS: stringAttr(n, "xmlns"), Type: stringAttr(n, "type"), XML: xml,
	}
	t.mu.Lock()
	t.entries[t.next] = e
	t.next++
	if t.next == len(t.entries) {
		t.next, t.full = 0, true
	}
	t.mu.Unlock()
}

func (t *traceRing) snapshot(since time.Time) []TraceEntry {
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var ordered []TraceEntry
	if t.full {
		ordered = append(ordered, t.entries[t.next:]...)
	}
	ordered = append(ordered, t.entries[:t.next]...)
	out := ordered[:0:0]
	for _, e := range ordered {
		if !e.Time.Before(since) {
			out = append(out, e)
		}
	}
	return out
}

// Trace returns the recorded stanzas, oldest first.
func (s *Server) Trace() []TraceEntry { return s.trace.snapshot(time.Time{}) }

// TraceSince returns the stanzas recorded at or after t.
func (s *Server) TraceSince(t time.Time) []TraceEntry { return s.trace.snapshot(t) }

// ClearTrace forgets all recorded stanzas.
func (s *Server) ClearTrace() {
	if s.trace == nil {
		return
	}
	s.trace.mu.Lock()
	clear(s.trace.entries)
	s.trace.next, s.trace.full = 0, false
	s.trace.mu.Unlock()
}
