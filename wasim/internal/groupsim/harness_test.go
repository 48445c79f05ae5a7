package groupsim

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
)

// Test users. ghost is not on WhatsApp.
var (
	alice = pn("111")
	bob   = pn("222")
	carol = pn("333")
	dave  = pn("444")
	erin  = pn("555")
	ghost = pn("999")
)

func pn(user string) types.JID    { return types.NewJID(user, types.DefaultUserServer) }
func lidOf(u types.JID) types.JID { return types.NewJID("7"+u.User, types.HiddenUserServer) }

// fakeDir knows everyone except ghost; LIDs are "7"+number.
type fakeDir struct{}

func (fakeDir) LookupUser(u types.JID) (types.JID, bool) {
	if u.User == ghost.User {
		return types.EmptyJID, false
	}
	return lidOf(u), true
}

var testNow = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

type harness struct {
	t   *testing.T
	e   *Engine
	cli *whatsmeow.Client
	seq int

	mu      sync.Mutex
	changes int
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return testNow }
	}
	h := &harness{t: t, e: NewEngine(fakeDir{}, cfg)}
	h.e.SetOnChange(func() { h.mu.Lock(); h.changes++; h.mu.Unlock() })
	// A client that is never connected: only its parsers are used
	// (DangerousInternals exposes parseGroupNode, parseGroupNotification,
	// parseGroupChange and the picture notification handler).
	h.cli = whatsmeow.NewClient(&store.Device{}, nil)
	return h
}

func (h *harness) changeCount() int { h.mu.Lock(); defer h.mu.Unlock(); return h.changes }

// wire encodes and decodes a node with whatsmeow's binary codec, so every
// request the engine sees and every stanza it returns has the types the
// real wire produces (JIDs as types.JID, numbers as strings, bytes).
func wire(t *testing.T, n waBinary.Node) waBinary.Node {
	t.Helper()
	data, err := waBinary.Marshal(n)
	if err != nil {
		t.Fatalf("marshal %s: %v", n.String(), err)
	}
	raw, err := waBinary.Unpack(data)
	if err != nil {
		t.Fatalf("unpack: %v", err)
	}
	out, err := waBinary.Unmarshal(raw)
	if err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return *out
}

// send builds the <iq> exactly as whatsmeow's sendIQAsyncAndGetData does
// (id, xmlns, type, to, optional target) and runs it through the engine.
func (h *harness) send(actor types.JID, xmlns, typ string, to, target types.JID, content any) (waBinary.Node, []Notification) {
	h.t.Helper()
	h.seq++
	id := "req-" + strconv.Itoa(h.seq)
	attrs := waBinary.Attrs{"id": id, "xmlns": xmlns, "type": typ}
	if !to.IsEmpty() {
		attrs["to"] = to
	}
	if !target.IsEmpty() {
		attrs["target"] = target
	}
	req := wire(h.t, waBinary.Node{Tag: "iq", Attrs: attrs, Content: content})
	resp, notes := h.e.HandleIQ(actor, &req)
	resp = wire(h.t, resp)
	if resp.Tag != "iq" || resp.Attrs["id"] != id {
		h.t.Fatalf("reply does not answer %s: %s", id, resp.String())
	}
	if from, _ := resp.Attrs["from"].(types.JID); from != to {
		h.t.Fatalf("reply from=%v, want %v", resp.Attrs["from"], to)
	}
	for i := range notes {
		notes[i].Node = wire(h.t, notes[i].Node)
	}
	return resp, notes
}

// g2 is sendGroupIQ: xmlns w:g2 with exactly one child.
func (h *harness) g2(actor types.JID, typ string, to types.JID, child waBinary.Node) (waBinary.Node, []Notification) {
	h.t.Helper()
	return h.send(actor, "w:g2", typ, to, types.EmptyJID, []waBinary.Node{child})
}

// iqErr mirrors whatsmeow parseIQError (unexported): nil for a result.
func iqErr(resp waBinary.Node) error {
	if resp.Attrs["type"] == "result" {
		return nil
	}
	e := &whatsmeow.IQError{RawNode: &resp}
	if en, ok := resp.GetOptionalChildByTag("error"); ok {
		ag := en.AttrGetter()
		e.ErrorNode = &en
		e.Code = ag.OptionalInt("code")
		e.Text = ag.OptionalString("text")
	}
	return e
}

func (h *harness) ok(resp waBinary.Node) waBinary.Node {
	h.t.Helper()
	if err := iqErr(resp); err != nil {
		h.t.Fatalf("want result, got %v: %s", err, resp.String())
	}
	return resp
}

func (h *harness) wantErr(resp waBinary.Node, want error) {
	h.t.Helper()
	err := iqErr(resp)
	if err == nil {
		h.t.Fatalf("want %v, got result %s", want, resp.String())
	}
	if !errors.Is(err, want) {
		h.t.Fatalf("want %v, got %v", want, err)
	}
}

// groupInfo parses the reply's <group> child with whatsmeow parseGroupNode.
func (h *harness) groupInfo(resp waBinary.Node) *types.GroupInfo {
	h.t.Helper()
	h.ok(resp)
	gn, ok := resp.GetOptionalChildByTag("group")
	if !ok {
		h.t.Fatalf("no <group> in %s", resp.String())
	}
	return h.parseGroup(gn)
}

func (h *harness) parseGroup(gn waBinary.Node) *types.GroupInfo {
	h.t.Helper()
	info, err := h.internals().ParseGroupNode(&gn)
	if err != nil {
		h.t.Fatalf("parseGroupNode: %v in %s", err, gn.String())
	}
	if info.GroupCreated.IsZero() {
		h.t.Fatalf("group node without creation: %s", gn.String())
	}
	return info
}

// participants parses per-participant results with whatsmeow's
// parseParticipant, reached through parseGroupNode on a wrapper group.
func (h *harness) participants(resp waBinary.Node, path ...string) []types.GroupParticipant {
	h.t.Helper()
	n := h.ok(resp)
	for _, tag := range path {
		var ok bool
		if n, ok = n.GetOptionalChildByTag(tag); !ok {
			h.t.Fatalf("no <%s> in %s", tag, resp.String())
		}
	}
	wrap := waBinary.Node{Tag: "group", Attrs: waBinary.Attrs{"id": "1", "creation": "1"}, Content: n.GetChildrenByTag("participant")}
	return h.parseGroup(wire(h.t, wrap)).Participants
}

// event parses one notification with whatsmeow parseGroupNotification.
func (h *harness) event(n Notification) any {
	h.t.Helper()
	if n.Node.Attrs["type"] != "w:gp2" {
		h.t.Fatalf("not w:gp2: %s", n.Node.String())
	}
	evt, _, _, err := h.internals().ParseGroupNotification(&n.Node)
	if err != nil {
		h.t.Fatalf("parseGroupNotification: %v in %s", err, n.Node.String())
	}
	return evt
}

func (h *harness) info(n Notification) *events.GroupInfo {
	h.t.Helper()
	evt, ok := h.event(n).(*events.GroupInfo)
	if !ok {
		h.t.Fatalf("want GroupInfo, got %T", h.event(n))
	}
	return evt
}

func (h *harness) joined(n Notification) *events.JoinedGroup {
	h.t.Helper()
	evt, ok := h.event(n).(*events.JoinedGroup)
	if !ok {
		h.t.Fatalf("want JoinedGroup, got %T", h.event(n))
	}
	return evt
}

// picture runs a type=picture notification through whatsmeow's handler.
func (h *harness) picture(n Notification) *events.Picture {
	h.t.Helper()
	var got *events.Picture
	id := h.cli.AddEventHandler(func(evt any) {
		if p, ok := evt.(*events.Picture); ok {
			got = p
		}
	})
	defer h.cli.RemoveEventHandler(id)
	h.internals().HandlePictureNotification(context.Background(), &n.Node)
	if got == nil {
		h.t.Fatalf("no Picture event from %s", n.Node.String())
	}
	return got
}

// noteTo finds the notification addressed to user (exactly one expected).
func (h *harness) noteTo(notes []Notification, user types.JID) Notification {
	h.t.Helper()
	var found []Notification
	for _, n := range notes {
		for _, to := range n.To {
			if to == user {
				found = append(found, n)
			}
		}
	}
	if len(found) != 1 {
		h.t.Fatalf("want 1 notification to %s, got %d: %s", user, len(found), dumpNotes(notes))
	}
	return found[0]
}

func dumpNotes(notes []Notification) string {
	var b strings.Builder
	for _, n := range notes {
		b.WriteString("\nto ")
		for _, j := range n.To {
			b.WriteString(j.User + " ")
		}
		b.WriteString(n.Node.String())
	}
	return b.String()
}

func sameUsers(t *testing.T, got []types.JID, want ...types.JID) {
	t.Helper()
	g := map[types.JID]bool{}
	for _, j := range got {
		g[j] = true
	}
	if len(g) != len(got) || len(got) != len(want) {
		t.Fatalf("users %v, want %v", got, want)
	}
	for _, j := range want {
		if !g[j] {
			t.Fatalf("users %v, want %v", got, want)
		}
	}
}

// internals exposes whatsmeow's stanza parsers, which are what these tests check wasim's
// answers against; no exported API parses a raw group node.
func (h *harness) internals() *whatsmeow.DangerousInternalClient {
	//lint:ignore SA1019 deprecated as a warning to applications, which these tests are not
	return h.cli.DangerousInternals()
}
