package wasim

import (
	"sync"
	"time"

	waBinary "go.mau.fi/whatsmeow/binary"
)

// FaultRule makes the simulator misbehave on purpose, so gateways can test
// their handling of WhatsApp's failures. Rules are checked in the order they
// were added, before an IQ reaches any handler (including the group engine).
type FaultRule struct {
	// Phone limits the rule to devices of one account; "" matches everyone.
	Phone string
	// Match is an IQ xmlns ("w:g2") or the tag of the IQ's child
	// ("participating", "links"); "message" matches message sends;
	// "media:upload" and "media:download" match media host requests (Code is
	// the HTTP status; Phone must be empty, the host sees no account);
	// "server_sync" with Drop loses the next app-state change notification;
	// "phone:undecryptable" (Phone = the receiving phone) makes that phone
	// lose its session with the next sender, so it answers with a retry
	// receipt carrying fresh keys.
	Match string
	// To limits a "message" rule to messages addressed to one user or group (the JID's user
	// part: a number, a LID or a group id); "" matches every recipient. Without it a rule meant
	// for one send also takes whatever else the account's devices send meanwhile (right after
	// linking, whatsmeow's own peer message to its phone asking for app-state keys).
	To string
	// Code answers with <error code=Code text=Text/> (Text defaults to
	// whatsmeow's sentinel text for the code, e.g. 429 "rate-overlimit").
	// For "message" the ack carries error=Code instead.
	Code int
	Text string
	// Times is how often the rule fires: 0 means once, negative forever.
	Times int
	// Delay holds the answer back; with Code 0 and Drop false the request
	// is then handled normally (a slow server).
	Delay time.Duration
	// Drop closes the socket instead of answering, like a network failure.
	Drop bool
}

type faultSet struct {
	mu    sync.Mutex
	rules []*activeFault
}

type activeFault struct {
	FaultRule
	left int // <0: unlimited
}

// AddFault installs a fault rule.
func (s *Server) AddFault(r FaultRule) {
	left := r.Times
	if left == 0 {
		left = 1
	}
	s.faults.mu.Lock()
	s.faults.rules = append(s.faults.rules, &activeFault{FaultRule: r, left: left})
	s.faults.mu.Unlock()
}

// ClearFaults removes all fault rules.
func (s *Server) ClearFaults() {
	s.faults.mu.Lock()
	s.faults.rules = nil
	s.faults.mu.Unlock()
}

// take finds and consumes the first rule matching phone and one of keys.
func (fs *faultSet) take(phone string, keys ...string) (FaultRule, bool) {
	return fs.takeFor(phone, "", keys...)
}

// takeFor is take for a stanza addressed to the user to; rules with To set match only their
// recipient ("" never matches them).
func (fs *faultSet) takeFor(phone, to string, keys ...string) (FaultRule, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, r := range fs.rules {
		if r.Phone != "" && r.Phone != phone {
			continue
		}
		if r.To != "" && r.To != to {
			continue
		}
		for _, k := range keys {
			if k == "" || k != r.Match {
				continue
			}
			if r.left > 0 {
				r.left--
				if r.left == 0 {
					fs.rules = append(fs.rules[:i:i], fs.rules[i+1:]...)
				}
			}
			return r.FaultRule, true
		}
	}
	return FaultRule{}, false
}

// applyFaults runs a matching rule for an IQ and reports whether the IQ has
// been dealt with (answered with an error or dropped).
func (s *Server) applyFaults(c *conn, iq *waBinary.Node) bool {
	keys := []string{stringAttr(iq, "xmlns")}
	for _, ch := range iq.GetChildren() {
		keys = append(keys, ch.Tag)
	}
	rule, ok := s.faults.take(c.phone, keys...)
	if !ok {
		return false
	}
	s.log.Info("wasim: fault injected", "conn", c.label, "match", rule.Match, "code", rule.Code, "drop", rule.Drop)
	if !c.sleep(rule.Delay) {
		return true
	}
	switch {
	case rule.Drop:
		c.closeNow()
		return true
	case rule.Code != 0:
		_ = c.send(iqError(iq, rule.Code, rule.Text))
		return true
	}
	return false
}

// sleep waits d unless the connection closes first.
func (c *conn) sleep(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.ctx.Done():
		return false
	}
}

func stringAttr(n *waBinary.Node, key string) string {
	v, _ := n.Attrs[key].(string)
	return v
}
