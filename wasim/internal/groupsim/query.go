package groupsim

import (
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// handleQuery answers GetGroupInfo (<query request="interactive"/>):
// 404 → ErrGroupNotFound, 403 → ErrNotInGroup in whatsmeow getGroupInfo.
// A <query><add_request …/></query> is GetGroupInfoFromInvite, for invite
// MESSAGES, which this simulator never issues.
func (c *call) handleQuery(target types.JID, n *waBinary.Node) ([]waBinary.Node, *Error) {
	if _, ok := n.GetOptionalChildByTag("add_request"); ok {
		return c.handleInviteMessage(target, n)
	}
	g, err := c.viewGroup(target)
	if err != nil {
		return nil, err
	}
	return []waBinary.Node{groupNode(g, fullGroup)}, nil
}

// handleInviteMessage answers invite-message operations (accept, query
// add_request). No add_request codes exist in the simulator because adds
// never fail for privacy reasons, so every code is invalid: 406 (assumed).
func (c *call) handleInviteMessage(target types.JID, _ *waBinary.Node) ([]waBinary.Node, *Error) {
	if _, err := c.group(target); err != nil {
		return nil, err
	}
	return nil, ErrNotAcceptable
}

// handleParticipating answers GetJoinedGroups: every group the actor is a
// member of, including community parents and announcement groups.
// Participants and descriptions are included when the request asks for
// them (<participants/>, <description/> children), as whatsmeow always does.
func (c *call) handleParticipating(_ types.JID, n *waBinary.Node) ([]waBinary.Node, *Error) {
	_, withParts := n.GetOptionalChildByTag("participants")
	_, withDesc := n.GetOptionalChildByTag("description")
	opts := groupNodeOpts{participants: withParts, description: withDesc}
	var out []waBinary.Node
	for _, g := range c.st.sortedGroups() {
		if g.member(c.actor) != nil {
			out = append(out, groupNode(g, opts))
		}
	}
	return []waBinary.Node{{Tag: "groups", Content: nodes(out...)}}, nil
}
