package wasim

import (
	"strconv"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// presenceState is an account's online status and who watches it. Kept in
// memory only: after a restart everyone is offline and must subscribe again,
// as after a reconnect on the real service.
type presenceState struct {
	available   bool
	lastSeen    int64
	subscribers map[*device]bool
}

func (s *Server) presenceOfLocked(phone string) *presenceState {
	if s.presence == nil {
		s.presence = make(map[string]*presenceState)
	}
	ps := s.presence[phone]
	if ps == nil {
		ps = &presenceState{subscribers: make(map[*device]bool)}
		s.presence[phone] = ps
	}
	return ps
}

// handlePresence takes a client's <presence>: type available/unavailable
// sets the account's status and tells its subscribers; type subscribe
// (presence.go SubscribePresence) registers the device and answers with the
// current status at once.
func (s *Server) handlePresence(c *conn, node *waBinary.Node) {
	if c.dev == nil {
		return
	}
	if name := stringAttr(node, "name"); name != "" {
		s.setPushName(c.phone, name)
	}
	switch stringAttr(node, "type") {
	case "available", "unavailable":
		s.setPresence(c.phone, stringAttr(node, "type") == "available")
	case "subscribe":
		to, ok := node.Attrs["to"].(types.JID)
		if !ok {
			return
		}
		s.mu.Lock()
		acc := s.accountForLocked(to)
		if acc == nil {
			s.mu.Unlock()
			return
		}
		s.presenceOfLocked(acc.Phone).subscribers[c.dev] = true
		s.mu.Unlock()
		_ = c.send(s.presenceNode(acc.Phone, c.phone))
	}
}

// SetPhonePresence plays a phone coming online or going offline.
func (s *Server) SetPhonePresence(number string, available bool) error {
	number = digitsOnly(number)
	s.mu.Lock()
	ok := s.accounts[number] != nil
	s.mu.Unlock()
	if !ok {
		return ErrUnknownPhone
	}
	s.setPresence(number, available)
	return nil
}

func (s *Server) setPresence(phone string, available bool) {
	s.mu.Lock()
	ps := s.presenceOfLocked(phone)
	if ps.available && !available {
		ps.lastSeen = s.now().Unix()
	}
	ps.available = available
	subs := make([]*device, 0, len(ps.subscribers))
	for d := range ps.subscribers {
		subs = append(subs, d)
	}
	s.mu.Unlock()
	for _, d := range subs {
		s.deliver(d, s.presenceNode(phone, d.Phone))
	}
}

// presenceNode is <presence from=USER [type=unavailable] [last=ts|deny]> as
// viewer sees it (handlePresence in whatsmeow's presence.go); last seen is
// withheld ("deny") when the user's "last" privacy is not "all".
func (s *Server) presenceNode(phone, viewer string) waBinary.Node {
	s.mu.Lock()
	ps := s.presenceOfLocked(phone)
	available, last := ps.available, ps.lastSeen
	s.mu.Unlock()
	attrs := waBinary.Attrs{"from": types.NewJID(phone, types.DefaultUserServer)}
	if !available {
		attrs["type"] = "unavailable"
		switch {
		case s.privacyValue(phone, "last") != "all" || s.IsBlocked(phone, types.NewJID(viewer, types.DefaultUserServer)):
			attrs["last"] = "deny"
		case last > 0:
			attrs["last"] = strconv.FormatInt(last, 10)
		}
	}
	return waBinary.Node{Tag: "presence", Attrs: attrs}
}

// handleChatState relays typing/recording/paused to the chat's other
// devices: a DM peer's devices get from=SENDER, group members' devices get
// from=GROUP participant=SENDER (whatsmeow handleChatState parses them with
// parseMessageSource). A recipient who blocked the sender gets nothing.
func (s *Server) handleChatState(c *conn, node *waBinary.Node) {
	to, ok := node.Attrs["to"].(types.JID)
	if c.dev == nil || !ok || len(node.GetChildren()) != 1 {
		return
	}
	s.relayChatState(c.phone, c.dev, to, node.GetChildren()[0])
}

// PhonePresence is SetPhonePresence (state available or unavailable) or PhoneChatState in the
// chat to (composing, recording, paused), as the control API and POST /sandbox/presence take it.
func (s *Server) PhonePresence(number, to, state string) error {
	switch state {
	case "available", "unavailable":
		return s.SetPhonePresence(number, state == "available")
	case "composing", "recording", "paused":
		chat, err := ParseChat(to)
		if err != nil {
			return badControlRequest("to is required for a chat state")
		}
		return s.PhoneChatState(number, chat, state)
	}
	return badControlRequest("state must be available, unavailable, composing, recording or paused")
}

// PhoneChatState plays a phone user typing (composing), recording a voice
// note (recording) or stopping (paused) in a chat.
func (s *Server) PhoneChatState(number string, to types.JID, state string) error {
	number = digitsOnly(number)
	child := waBinary.Node{Tag: "composing"}
	switch state {
	case "composing":
	case "recording":
		child.Attrs = waBinary.Attrs{"media": "audio"}
	case "paused":
		child.Tag = "paused"
	default:
		return badControlRequest("state must be composing, recording or paused")
	}
	s.mu.Lock()
	ok := s.accounts[number] != nil
	s.mu.Unlock()
	if !ok {
		return ErrUnknownPhone
	}
	s.relayChatState(number, nil, to, child)
	return nil
}

func (s *Server) relayChatState(phone string, from *device, to types.JID, state waBinary.Node) {
	sender := types.NewJID(phone, types.DefaultUserServer)
	attrs := waBinary.Attrs{"from": sender}
	var users []types.JID
	if to.Server == types.GroupServer {
		attrs["from"], attrs["participant"] = to, sender
		users = s.groupMembers(to)
	} else {
		users = []types.JID{to.ToNonAD()}
	}
	for _, dev := range s.devicesOf(users) {
		if dev == from || dev.Phone == phone || s.IsBlocked(dev.Phone, sender) {
			continue
		}
		s.deliver(dev, waBinary.Node{Tag: "chatstate", Attrs: attrs, Content: []waBinary.Node{state}})
	}
}
