package wasim

import (
	"strconv"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// handleStanza dispatches one client stanza by tag. IQ answers to
// server-initiated requests never get here (conn.readLoop resolves them).
func (s *Server) handleStanza(c *conn, node *waBinary.Node) {
	switch node.Tag {
	case "iq":
		s.handleIQ(c, node)
	case "message":
		s.handleMessage(c, node)
	case "receipt":
		s.handleReceipt(c, node)
	case "presence":
		s.handlePresence(c, node)
	case "chatstate":
		s.handleChatState(c, node)
	case "call":
		s.handleCall(c, node)
	case "ack":
		s.handleClientAck(c, node)
	case "ib":
		// unified_session telemetry: accepted silently, nothing to answer.
	default:
		s.log.Debug("wasim: unhandled stanza", "conn", c.label, "tag", node.Tag)
	}
}

// handleIQ answers every get/set IQ. An unanswered IQ would block its
// whatsmeow caller for 75 s (request.go defaultRequestTimeout), so unknown
// ones get an empty result and an Info log: that log is the to-do list.
func (s *Server) handleIQ(c *conn, iq *waBinary.Node) {
	if t := stringAttr(iq, "type"); t != "get" && t != "set" {
		// A late answer to a server request that gave up waiting.
		s.log.Debug("wasim: unexpected iq answer", "conn", c.label, "id", iq.Attrs["id"], "type", t)
		return
	}
	if s.applyFaults(c, iq) {
		return
	}
	resp, after := s.routeIQ(c, iq)
	if err := c.send(resp); err != nil {
		s.log.Debug("wasim: send iq answer", "conn", c.label, "err", err)
	}
	// Side effects other clients see (group notifications) follow the
	// answer, as the requester would observe on the real service.
	if after != nil {
		after()
	}
}

// routeIQ picks the handler by xmlns. The optional func runs after the
// answer has been sent.
func (s *Server) routeIQ(c *conn, iq *waBinary.Node) (waBinary.Node, func()) {
	xmlns, _ := iq.Attrs["xmlns"].(string)
	children := iq.GetChildren()
	var child waBinary.Node
	if len(children) > 0 {
		child = children[0]
	}
	switch xmlns {
	case "w:p", "passive", "urn:xmpp:ping":
		// keepalive, SetPassive.
		return iqResult(iq), nil
	case "privacy":
		return s.handlePrivacy(c, iq, child), nil
	case "blocklist":
		return s.handleBlocklist(c, iq, child), nil
	case "status":
		return s.handleStatusIQ(c, iq, child), nil
	case "w:sync:app:state":
		return s.handleAppStateIQ(c, iq)
	case "w:m":
		if child.Tag == "media_conn" {
			return iqResult(iq, s.mediaConnNode()), nil
		}
	case "encrypt":
		return s.handleEncrypt(c, iq, child), nil
	case "usync":
		return s.handleUsync(iq, child), nil
	case "md":
		switch child.Tag {
		case "remove-companion-device":
			return s.handleRemoveCompanion(c, iq, child), nil
		case "link_code_companion_reg":
			return s.handleLinkCode(c, iq, child), nil
		}
	case "w:g2":
		return s.handleGroupIQ(c, iq)
	case "w:profile:picture":
		if target, ok := iq.Attrs["target"].(types.JID); ok && target.Server == types.GroupServer {
			return s.handleGroupIQ(c, iq)
		}
		return s.handleUserPictureIQ(c, iq), nil
	}
	s.log.Info("wasim: unhandled iq, answering empty result", "conn", c.label,
		"xmlns", xmlns, "type", iq.Attrs["type"], "child", child.Tag)
	return iqResult(iq), nil
}

// iqResult builds <iq type="result" id=… from=…> around children. The
// answer comes from whatever the request addressed (s.whatsapp.net, g.us
// or a group), as on the real service.
func iqResult(iq *waBinary.Node, children ...waBinary.Node) waBinary.Node {
	node := waBinary.Node{Tag: "iq", Attrs: replyAttrs(iq, "result")}
	if len(children) > 0 {
		node.Content = children
	}
	return node
}

// iqError builds <iq type="error"><error code text/></iq>. whatsmeow maps
// it to *IQError, whose errors.Is needs both code and text to match its
// sentinels (errors.go), hence the canonical texts in errorText.
func iqError(iq *waBinary.Node, code int, text string) waBinary.Node {
	if text == "" {
		text = errorText(code)
	}
	return waBinary.Node{
		Tag:   "iq",
		Attrs: replyAttrs(iq, "error"),
		Content: []waBinary.Node{{Tag: "error", Attrs: waBinary.Attrs{
			"code": strconv.Itoa(code), "text": text,
		}}},
	}
}

func replyAttrs(iq *waBinary.Node, typ string) waBinary.Attrs {
	attrs := waBinary.Attrs{"type": typ, "id": iq.Attrs["id"]}
	if to, ok := iq.Attrs["to"].(types.JID); ok {
		attrs["from"] = to
	} else {
		attrs["from"] = types.ServerJID
	}
	return attrs
}

// errorText is whatsmeow's sentinel text for each IQ error code.
func errorText(code int) string {
	switch code {
	case 400:
		return "bad-request"
	case 401:
		return "not-authorized"
	case 403:
		return "forbidden"
	case 404:
		return "item-not-found"
	case 405:
		return "not-allowed"
	case 406:
		return "not-acceptable"
	case 409:
		return "conflict"
	case 410:
		return "gone"
	case 419:
		return "resource-limit"
	case 423:
		return "locked"
	case 429:
		return "rate-overlimit"
	case 500:
		return "internal-server-error"
	case 503:
		return "service-unavailable"
	case 530:
		return "partial-server-error"
	}
	return "error"
}

// children lists the child nodes of a node value (GetChildren has a
// pointer receiver, so it cannot be called on GetChildByTag's result).
func children(n waBinary.Node) []waBinary.Node { return n.GetChildren() }
