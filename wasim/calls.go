package wasim

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// InboxCall is a call signal a phone got from a companion (reject, accept,
// terminate): calls have no media here, only their signalling.
type InboxCall struct {
	CallID string
	From   types.JID
	Action string
}

// PhoneCall plays a phone starting (offer) or ending (terminate) a voice
// call to a user: each of the callee's devices gets <call from=CALLER
// platform version><offer|terminate call-id call-creator/></call>, which
// whatsmeow turns into events.CallOffer / events.CallTerminate (call.go
// handleCallEvent). An empty callID on offer makes a new one; it is returned.
func (s *Server) PhoneCall(number string, to types.JID, action, callID string) (string, error) {
	number = digitsOnly(number)
	s.mu.Lock()
	caller := s.accounts[number]
	callee := s.accountForLocked(to)
	s.mu.Unlock()
	if caller == nil || callee == nil {
		return "", ErrUnknownPhone
	}
	if callID == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		callID = strings.ToUpper(hex.EncodeToString(b))
	}
	child := waBinary.Node{Attrs: waBinary.Attrs{"call-id": callID, "call-creator": caller.pn(), "caller_lid": caller.lid()}}
	switch action {
	case "offer":
		child.Tag = "offer"
		child.Content = []waBinary.Node{
			{Tag: "audio", Attrs: waBinary.Attrs{"enc": "opus", "rate": "16000"}},
			{Tag: "audio", Attrs: waBinary.Attrs{"enc": "opus", "rate": "8000"}},
			{Tag: "net", Attrs: waBinary.Attrs{"medium": "3"}},
		}
	case "terminate":
		child.Tag = "terminate"
	default:
		return "", badControlRequest("action must be offer or terminate")
	}
	for _, dev := range s.devicesOf([]types.JID{callee.pn()}) {
		s.deliver(dev, waBinary.Node{Tag: "call", Attrs: waBinary.Attrs{
			"from": caller.pn(), "id": s.nextID(), "t": strconv.FormatInt(s.now().Unix(), 10),
			"platform": "android", "version": "2.25.1.1",
		}, Content: []waBinary.Node{child}})
	}
	return callID, nil
}

// handleCall acks a client's call signalling (reject, accept, …) and hands
// it to the other party: a phone records it, companions get it as a call
// event from the sender.
func (s *Server) handleCall(c *conn, node *waBinary.Node) {
	ack := waBinary.Node{Tag: "ack", Attrs: waBinary.Attrs{"class": "call", "id": node.Attrs["id"]}}
	if len(node.GetChildren()) == 1 {
		ack.Attrs["type"] = node.GetChildren()[0].Tag
	}
	_ = c.send(ack)
	to, ok := node.Attrs["to"].(types.JID)
	if c.dev == nil || !ok || len(node.GetChildren()) != 1 {
		return
	}
	child := node.GetChildren()[0]
	s.mu.Lock()
	acc := s.accountForLocked(to)
	s.mu.Unlock()
	if acc == nil {
		return
	}
	if p, err := s.phoneFor(acc.Phone); err == nil {
		p.inboxMu.Lock()
		p.calls = append(p.calls, InboxCall{CallID: stringAttr(&child, "call-id"), From: types.NewJID(c.phone, types.DefaultUserServer), Action: child.Tag})
		p.inboxMu.Unlock()
	}
	for _, dev := range s.devicesOf([]types.JID{acc.pn()}) {
		s.deliver(dev, waBinary.Node{Tag: "call", Attrs: waBinary.Attrs{
			"from": types.NewJID(c.phone, types.DefaultUserServer), "id": s.nextID(),
			"t": strconv.FormatInt(s.now().Unix(), 10), "platform": "web", "version": "2.3000.0",
		}, Content: []waBinary.Node{child}})
	}
}

// Calls returns the call signals a phone received from companions.
func (s *Server) Calls(number string) ([]InboxCall, error) {
	p, err := s.phoneFor(digitsOnly(number))
	if err != nil {
		return nil, err
	}
	p.inboxMu.Lock()
	defer p.inboxMu.Unlock()
	return append([]InboxCall(nil), p.calls...), nil
}
