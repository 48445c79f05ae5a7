package groupsim

import (
	"strconv"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// Attribute readers. A node decoded from the wire carries JIDs as
// types.JID and everything else as string, but a node built in-process may
// carry a JID as its string form, so both are accepted.

func jidAttr(n *waBinary.Node, key string) (types.JID, bool) {
	switch v := n.Attrs[key].(type) {
	case types.JID:
		return v, !v.IsEmpty()
	case string:
		// Only the servers a group request can name; anything else (a
		// subject, a code) is not a JID even though ParseJID would accept it.
		j, err := types.ParseJID(v)
		if err != nil {
			return types.EmptyJID, false
		}
		switch j.Server {
		case types.DefaultUserServer, types.HiddenUserServer, types.GroupServer:
			return j, true
		}
		return types.EmptyJID, false
	}
	return types.EmptyJID, false
}

func strAttr(n *waBinary.Node, key string) (string, bool) {
	switch v := n.Attrs[key].(type) {
	case string:
		return v, true
	case types.JID:
		return v.String(), true
	}
	return "", false
}

// content returns a node's byte content (subject text, picture bytes…).
func content(n *waBinary.Node) []byte {
	switch v := n.Content.(type) {
	case []byte:
		return v
	case string:
		return []byte(v)
	}
	return nil
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func nodes(ns ...waBinary.Node) any {
	if len(ns) == 0 {
		return nil
	}
	return ns
}

// replyFrom is the from attribute of a reply: the request's to, unchanged.
func replyFrom(iq *waBinary.Node) any {
	if v, ok := iq.Attrs["to"]; ok {
		return v
	}
	return types.ServerJID
}

func resultIQ(iq *waBinary.Node, children ...waBinary.Node) waBinary.Node {
	attrs := waBinary.Attrs{"type": "result", "from": replyFrom(iq)}
	if id, ok := iq.Attrs["id"]; ok {
		attrs["id"] = id
	}
	return waBinary.Node{Tag: "iq", Attrs: attrs, Content: nodes(children...)}
}

// errorIQ is the shape whatsmeow's parseIQError reads: <error code text/>.
func errorIQ(iq *waBinary.Node, err *Error) waBinary.Node {
	attrs := waBinary.Attrs{"type": "error", "from": replyFrom(iq)}
	if id, ok := iq.Attrs["id"]; ok {
		attrs["id"] = id
	}
	return waBinary.Node{Tag: "iq", Attrs: attrs, Content: []waBinary.Node{{
		Tag:   "error",
		Attrs: waBinary.Attrs{"code": strconv.Itoa(err.Code), "text": err.Text},
	}}}
}

// participantNode is a member as parseParticipant reads it: jid, optional
// type, and the other address form (lid for a phone JID; in a LID-addressed
// group jid is the LID and phone_number the phone JID).
func participantNode(m *member, withRole, lidAddressed bool) waBinary.Node {
	attrs := waBinary.Attrs{"jid": m.JID}
	if withRole && m.Role != roleMember {
		attrs["type"] = m.Role
	}
	switch {
	case lidAddressed && !m.LID.IsEmpty():
		attrs["jid"], attrs["phone_number"] = m.LID, m.JID
	case !m.LID.IsEmpty():
		attrs["lid"] = m.LID
	}
	return waBinary.Node{Tag: "participant", Attrs: attrs}
}

// echoParticipant answers a per-participant request entry in the address
// form the client used (so it can match its request), with the other form
// added, and the error code when the entry failed.
func echoParticipant(asked, pn, lid types.JID, errCode string) waBinary.Node {
	attrs := waBinary.Attrs{"jid": asked}
	if asked.Server == types.HiddenUserServer && pn.Server == types.DefaultUserServer {
		attrs["phone_number"] = pn
	} else if asked.Server == types.DefaultUserServer && !lid.IsEmpty() {
		attrs["lid"] = lid
	}
	if errCode != "" {
		attrs["error"] = errCode
	}
	return waBinary.Node{Tag: "participant", Attrs: attrs}
}

type groupNodeOpts struct {
	participants bool
	description  bool
	extra        []waBinary.Node // appended participant entries (create failures)
}

var fullGroup = groupNodeOpts{participants: true, description: true}

// groupNode renders g in the shape parseGroupNode (whatsmeow group.go)
// reads: id is the USER PART only, creation is set, flags are presence-only
// children.
func groupNode(g *group, o groupNodeOpts) waBinary.Node {
	attrs := waBinary.Attrs{
		"id":              g.ID,
		"creation":        itoa(g.Creation),
		"subject":         g.Subject,
		"s_t":             itoa(g.SubjectTime),
		"size":            strconv.Itoa(len(g.Members)),
		"addressing_mode": string(types.AddressingModePN),
	}
	if g.LIDAddressed {
		attrs["addressing_mode"] = string(types.AddressingModeLID)
	}
	if !g.Creator.IsEmpty() {
		attrs["creator"] = g.Creator
	}
	if !g.SubjectOwner.IsEmpty() {
		attrs["s_o"] = g.SubjectOwner
	}
	var ch []waBinary.Node
	if o.participants {
		for _, m := range g.Members {
			ch = append(ch, participantNode(m, true, g.LIDAddressed))
		}
		ch = append(ch, o.extra...)
	}
	if o.description && g.Description != "" {
		dattrs := waBinary.Attrs{"id": g.DescriptionID, "t": itoa(g.DescriptionTime)}
		if !g.DescriptionOwner.IsEmpty() {
			dattrs["participant"] = g.DescriptionOwner
		}
		ch = append(ch, waBinary.Node{Tag: "description", Attrs: dattrs, Content: []waBinary.Node{
			{Tag: "body", Content: []byte(g.Description)},
		}})
	}
	if g.Announce {
		ch = append(ch, waBinary.Node{Tag: "announcement"})
	}
	if g.Locked {
		ch = append(ch, waBinary.Node{Tag: "locked"})
	}
	if g.Ephemeral > 0 {
		ch = append(ch, waBinary.Node{Tag: "ephemeral", Attrs: waBinary.Attrs{"expiration": strconv.FormatUint(uint64(g.Ephemeral), 10)}})
	}
	// parseGroupNode sets IsJoinApprovalRequired on mere presence, so the
	// child is only sent when approval is on.
	if g.JoinApproval {
		ch = append(ch, approvalNode(true))
	}
	if g.MemberAddMode != "" {
		ch = append(ch, waBinary.Node{Tag: "member_add_mode", Content: []byte(g.MemberAddMode)})
	}
	if g.IsParent {
		pattrs := waBinary.Attrs{}
		if g.DefaultMembershipApproval != "" {
			pattrs["default_membership_approval_mode"] = g.DefaultMembershipApproval
		}
		ch = append(ch, waBinary.Node{Tag: "parent", Attrs: pattrs})
	}
	if g.Parent != "" {
		ch = append(ch, waBinary.Node{Tag: "linked_parent", Attrs: waBinary.Attrs{"jid": types.NewJID(g.Parent, types.GroupServer)}})
	}
	if g.IsDefaultSub {
		ch = append(ch, waBinary.Node{Tag: "default_sub_group"})
	}
	return waBinary.Node{Tag: "group", Attrs: attrs, Content: nodes(ch...)}
}

func approvalNode(on bool) waBinary.Node {
	state := "off"
	if on {
		state = "on"
	}
	return waBinary.Node{Tag: "membership_approval_mode", Content: []waBinary.Node{
		{Tag: "group_join", Attrs: waBinary.Attrs{"state": state}},
	}}
}

// linkTargetNode is a group as parseGroupLinkTargetNode reads it (link and
// unlink notifications): jid, subject, s_t, optional <default_sub_group/>.
func linkTargetNode(g *group) waBinary.Node {
	n := waBinary.Node{Tag: "group", Attrs: waBinary.Attrs{
		"jid": g.jid(), "subject": g.Subject, "s_t": itoa(g.SubjectTime),
	}}
	if g.IsDefaultSub {
		n.Content = []waBinary.Node{{Tag: "default_sub_group"}}
	}
	return n
}
