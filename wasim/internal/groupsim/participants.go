package groupsim

import (
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// Membership changes. Per-participant failures are reported with an error
// attribute in the reply, never as IQ errors (whatsmeow
// UpdateGroupParticipants → types.GroupParticipant.Error).
//
// Community model (assumed, simplest consistent one): the announcement
// group mirrors the parent's membership and roles. Joining or being added
// to the parent also joins the announcement group; being removed from or
// leaving the parent also removes from every linked subgroup; promote and
// demote on the parent are mirrored on the announcement group. Joining a
// subgroup does NOT make anyone a member of the parent.

func parseParticipants(n *waBinary.Node) ([]partReq, *Error) {
	var out []partReq
	for _, ch := range n.GetChildrenByTag("participant") {
		j, ok := jidAttr(&ch, "jid")
		if !ok {
			return nil, ErrBadRequest
		}
		phone, _ := jidAttr(&ch, "phone_number")
		out = append(out, partReq{j, phone})
	}
	if len(out) == 0 {
		return nil, ErrBadRequest
	}
	return out, nil
}

// findMember resolves a requested participant to a member of g, also
// matching by LID for @lid JIDs the engine has not learned yet.
func (c *call) findMember(g *group, p partReq) (m *member, pn, lid types.JID) {
	pn, lid, _ = c.resolve(p.jid, p.phone)
	if !pn.IsEmpty() {
		if m = g.member(pn); m != nil {
			return m, pn, m.LID
		}
	}
	if p.jid.Server == types.HiddenUserServer {
		for _, cand := range g.Members {
			if cand.LID.User == p.jid.User {
				return cand, cand.JID, cand.LID
			}
		}
	}
	return nil, pn, lid
}

// handleParticipants: <add|remove|promote|demote> of <participant jid>.
// Adding needs admin unless member_add_mode is all_member_add; the rest
// always needs admin. Non-member 403, non-admin 401.
func (c *call) handleParticipants(target types.JID, n *waBinary.Node) ([]waBinary.Node, *Error) {
	g, err := c.memberGroup(target)
	if err != nil {
		return nil, err
	}
	isAdmin := g.isAdmin(c.actor)
	if !isAdmin && (n.Tag != "add" || g.MemberAddMode != addModeAll) {
		return nil, ErrNotAuthorized
	}
	reqs, err := parseParticipants(n)
	if err != nil {
		return nil, err
	}
	actorSuper := g.member(c.actor).Role == roleSuperAdmin
	var results []waBinary.Node
	switch n.Tag {
	case "add":
		var add []*member
		seen := map[types.JID]bool{}
		for _, p := range reqs {
			pn, lid, ok := c.resolve(p.jid, p.phone)
			switch {
			case !ok:
				results = append(results, echoParticipant(p.jid, pn, lid, partNotOnWhatsApp))
			case g.member(pn) != nil || seen[pn]:
				results = append(results, echoParticipant(p.jid, pn, lid, partAlreadyMember))
			default:
				seen[pn] = true
				add = append(add, &member{JID: pn, LID: lid})
				results = append(results, echoParticipant(p.jid, pn, lid, ""))
			}
		}
		c.admit(g, add, "")
	case "remove", "promote", "demote":
		var targets []*member
		for _, p := range reqs {
			m, pn, lid := c.findMember(g, p)
			switch {
			case m == nil:
				results = append(results, echoParticipant(p.jid, pn, lid, partNotMember))
			case n.Tag != "promote" && m.Role == roleSuperAdmin && !actorSuper:
				// Only a superadmin may remove or demote a superadmin (assumed).
				results = append(results, echoParticipant(p.jid, pn, lid, partForbidden))
			default:
				targets = append(targets, m)
				results = append(results, echoParticipant(p.jid, pn, lid, ""))
			}
		}
		if n.Tag == "remove" {
			c.evict(g, jidsOf(targets))
		} else {
			c.setRoles(g, jidsOf(targets), n.Tag == "promote")
		}
	}
	return []waBinary.Node{{Tag: n.Tag, Content: nodes(results...)}}, nil
}

// admit adds new members (none of which may already be in g). Existing
// members get <add> (→ events.GroupInfo.Join); the newcomers get a
// <create> (→ events.JoinedGroup, "emitted when you join or are added to a
// group"). reason "invite" marks link joins on both.
func (c *call) admit(g *group, ms []*member, reason string) {
	if len(ms) == 0 {
		return
	}
	before := g.memberJIDs()
	for _, m := range ms {
		g.Members = append(g.Members, m)
		g.dropPending(m.JID)
	}
	c.changed = true
	var attrs waBinary.Attrs
	if reason != "" {
		attrs = waBinary.Attrs{"reason": reason}
	}
	c.gp2(g, before, participantList("add", ms, attrs))
	c.joined(g, jidsOf(ms), reason, "", "")
	if g.IsParent {
		if a := c.st.announcementGroup(g); a != nil {
			var mirror []*member
			for _, m := range ms {
				if a.member(m.JID) == nil {
					mirror = append(mirror, &member{JID: m.JID, LID: m.LID})
				}
			}
			c.admit(a, mirror, reason)
		}
	}
}

// evict removes members. Everyone who was a member before, the removed
// included, gets <remove> (→ events.GroupInfo.Leave, which is how a client
// learns it was removed). No admin is auto-promoted when the last one goes
// (assumed; the group simply has no admin).
func (c *call) evict(g *group, pns []types.JID) {
	before := g.memberJIDs()
	var gone []*member
	for _, pn := range pns {
		if m := g.member(pn); m != nil {
			g.removeMember(pn)
			gone = append(gone, m)
		}
	}
	if len(gone) == 0 {
		return
	}
	c.changed = true
	c.gp2(g, before, participantList("remove", gone, nil))
	if g.IsParent {
		for _, sub := range c.st.subGroups(g) {
			c.evict(sub, jidsOf(gone))
		}
	}
}

// setRoles promotes members to admin or demotes them to plain members.
// Already-matching members are accepted silently and not notified.
func (c *call) setRoles(g *group, pns []types.JID, promote bool) {
	var changed []*member
	for _, pn := range pns {
		m := g.member(pn)
		switch {
		case m == nil:
		case promote && m.Role == roleMember:
			m.Role = roleAdmin
			changed = append(changed, m)
		case !promote && m.Role != roleMember:
			m.Role = roleMember
			changed = append(changed, m)
		}
	}
	if len(changed) == 0 {
		return
	}
	c.changed = true
	tag := "demote"
	if promote {
		tag = "promote"
	}
	c.gp2Members(g, participantList(tag, changed, nil))
	if g.IsParent {
		if a := c.st.announcementGroup(g); a != nil {
			c.setRoles(a, jidsOf(changed), promote)
		}
	}
}

// handleLeave: LeaveGroup sends <leave><group id=GROUP-JID/></leave> to
// g.us. Unknown group 404, non-member 403 (assumed: IQ errors rather than
// per-group results, so a single-group leave fails visibly). The
// announcement group cannot be left on its own (400, assumed); leaving the
// community parent leaves it and every linked subgroup. Clients other than
// whatsmeow name a community with <community id/> (Baileys communityLeave);
// that child must name a community parent (400 otherwise, assumed).
func (c *call) handleLeave(_ types.JID, n *waBinary.Node) ([]waBinary.Node, *Error) {
	var gs []*group
	for _, ch := range n.GetChildren() {
		if ch.Tag != "group" && ch.Tag != "community" {
			continue
		}
		j, ok := jidAttr(&ch, "id")
		if !ok {
			return nil, ErrBadRequest
		}
		g, err := c.memberGroup(j)
		if err != nil {
			return nil, err
		}
		if g.IsDefaultSub || (ch.Tag == "community" && !g.IsParent) {
			return nil, ErrBadRequest
		}
		gs = append(gs, g)
	}
	if len(gs) == 0 {
		return nil, ErrBadRequest
	}
	for _, g := range gs {
		c.evict(g, []types.JID{c.actor})
	}
	return nil, nil
}
