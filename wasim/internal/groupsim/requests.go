package groupsim

import (
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// Join requests, created by JoinGroupWithLink on a group with approval on.
// No notification tells admins about a new request: the real shape is not
// known from whatsmeow (it would land in UnknownChanges anyway).

// handleRequestList: GetGroupRequestParticipants, admin only. Each entry is
// <membership_approval_request jid request_time/>.
func (c *call) handleRequestList(target types.JID, _ *waBinary.Node) ([]waBinary.Node, *Error) {
	g, err := c.adminGroup(target)
	if err != nil {
		return nil, err
	}
	var out []waBinary.Node
	for _, r := range g.Pending {
		out = append(out, waBinary.Node{Tag: "membership_approval_request", Attrs: waBinary.Attrs{
			"jid": r.JID, "request_time": itoa(r.Time),
		}})
	}
	return []waBinary.Node{{Tag: "membership_approval_requests", Content: nodes(out...)}}, nil
}

// handleRequestAction: UpdateGroupRequestParticipants sends
// <membership_requests_action><approve|reject><participant jid/>…
// Admin only. A participant without a pending request gets error="404"
// (assumed). Approved users join like a link join without reason.
func (c *call) handleRequestAction(target types.JID, n *waBinary.Node) ([]waBinary.Node, *Error) {
	g, err := c.adminGroup(target)
	if err != nil {
		return nil, err
	}
	actions := n.GetChildren()
	if len(actions) != 1 || (actions[0].Tag != "approve" && actions[0].Tag != "reject") {
		return nil, ErrBadRequest
	}
	action := &actions[0]
	reqs, err := parseParticipants(action)
	if err != nil {
		return nil, err
	}
	var (
		results []waBinary.Node
		picked  []*request
		seen    = map[types.JID]bool{}
	)
	for _, p := range reqs {
		pn, lid, _ := c.resolve(p.jid, p.phone)
		i := g.pending(pn)
		if i < 0 || seen[pn] {
			results = append(results, echoParticipant(p.jid, pn, lid, partNotMember))
			continue
		}
		seen[pn] = true
		picked = append(picked, g.Pending[i])
		results = append(results, echoParticipant(p.jid, pn, g.Pending[i].LID, ""))
	}
	var admitted []*member
	for _, r := range picked {
		g.dropPending(r.JID)
		c.changed = true
		if action.Tag == "approve" && g.member(r.JID) == nil {
			admitted = append(admitted, &member{JID: r.JID, LID: r.LID})
		}
	}
	c.admit(g, admitted, "")
	return []waBinary.Node{{Tag: "membership_requests_action", Content: []waBinary.Node{
		{Tag: action.Tag, Content: nodes(results...)},
	}}}, nil
}
