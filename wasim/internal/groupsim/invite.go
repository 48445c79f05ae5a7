package groupsim

import (
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// handleInvite: GetGroupInviteLink sends <invite/> to the group, get to
// read and set to reset. Admin only: 401 → ErrGroupInviteLinkUnauthorized,
// 404 → ErrGroupNotFound, 403 → ErrNotInGroup. A reset revokes the old code
// (later uses answer 410) and notifies members with <invite code/>, which
// parseGroupChange requires to carry code.
func (c *call) handleInvite(target types.JID, _ *waBinary.Node) ([]waBinary.Node, *Error) {
	g, err := c.adminGroup(target)
	if err != nil {
		return nil, err
	}
	if c.iqType == "set" {
		g.RevokedCodes = append(g.RevokedCodes, g.InviteCode)
		g.InviteCode = c.newInviteCode()
		c.changed = true
		// Audience: all members (assumed; real servers may tell admins only).
		c.gp2Members(g, waBinary.Node{Tag: "invite", Attrs: waBinary.Attrs{"code": g.InviteCode}})
	}
	return []waBinary.Node{{Tag: "invite", Attrs: waBinary.Attrs{"code": g.InviteCode}}}, nil
}

// byCode resolves an invite code: revoked 410 gone (→ ErrInviteLinkRevoked),
// unknown or missing 406 not-acceptable (→ ErrInviteLinkInvalid).
func (c *call) byCode(n *waBinary.Node) (*group, *Error) {
	code, _ := strAttr(n, "code")
	if code == "" {
		return nil, ErrNotAcceptable
	}
	g, revoked := c.st.byInvite(code)
	switch {
	case g == nil:
		return nil, ErrNotAcceptable
	case revoked:
		return nil, ErrGone
	}
	return g, nil
}

// handleLinkInfo: GetGroupInfoFromLink, get to g.us with <invite code>.
// Anyone holding the code sees the full group node (assumed).
func (c *call) handleLinkInfo(_ types.JID, n *waBinary.Node) ([]waBinary.Node, *Error) {
	g, err := c.byCode(n)
	if err != nil {
		return nil, err
	}
	return []waBinary.Node{groupNode(g, fullGroup)}, nil
}

// handleLinkJoin: JoinGroupWithLink, set to g.us with <invite code>. It
// answers <group jid/> after joining (or when already a member: idempotent,
// assumed), or <membership_approval_request jid/> when the group requires
// approval, recording a pending request.
func (c *call) handleLinkJoin(_ types.JID, n *waBinary.Node) ([]waBinary.Node, *Error) {
	g, err := c.byCode(n)
	if err != nil {
		return nil, err
	}
	joinedNode := waBinary.Node{Tag: "group", Attrs: waBinary.Attrs{"jid": g.jid()}}
	if g.member(c.actor) != nil {
		return []waBinary.Node{joinedNode}, nil
	}
	if g.JoinApproval {
		if g.pending(c.actor) < 0 {
			g.Pending = append(g.Pending, &request{JID: c.actor, LID: c.actorLID(), Time: c.unix()})
			c.changed = true
		}
		return []waBinary.Node{{Tag: "membership_approval_request", Attrs: waBinary.Attrs{"jid": g.jid()}}}, nil
	}
	c.admit(g, []*member{{JID: c.actor, LID: c.actorLID()}}, "invite")
	return []waBinary.Node{joinedNode}, nil
}
