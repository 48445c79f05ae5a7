package groupsim

import "go.mau.fi/whatsmeow/types"

// Permission checks. Order is fixed so every operation answers the same
// way: unknown group 404 item-not-found, non-member 403 forbidden, member
// without the needed role 401 not-authorized (design prototype; matches
// the wrappers in whatsmeow GetGroupInfo/GetGroupInviteLink).

func (c *call) group(jid types.JID) (*group, *Error) {
	g := c.st.byJID(jid)
	if g == nil {
		return nil, ErrNotFound
	}
	return g, nil
}

func (c *call) memberGroup(jid types.JID) (*group, *Error) {
	g, err := c.group(jid)
	if err != nil {
		return nil, err
	}
	if g.member(c.actor) == nil {
		return nil, ErrForbidden
	}
	return g, nil
}

func (c *call) adminGroup(jid types.JID) (*group, *Error) {
	g, err := c.memberGroup(jid)
	if err != nil {
		return nil, err
	}
	if !g.isAdmin(c.actor) {
		return nil, ErrNotAuthorized
	}
	return g, nil
}

// infoEditorGroup gates subject, description, photo and disappearing timer:
// admin-only by default; with Config.MembersMayEditInfo any member while
// the group is unlocked (types.GroupLocked: "whether the group info can
// only be edited by admins").
func (c *call) infoEditorGroup(jid types.JID) (*group, *Error) {
	g, err := c.memberGroup(jid)
	if err != nil {
		return nil, err
	}
	if (g.Locked || !c.cfg.MembersMayEditInfo) && !g.isAdmin(c.actor) {
		return nil, ErrNotAuthorized
	}
	return g, nil
}

// canView: members of g, and for a community parent also members of any
// linked subgroup (community members may look at their community; assumed).
func (c *call) canView(g *group) bool {
	if g.member(c.actor) != nil {
		return true
	}
	if g.IsParent {
		for _, sub := range c.st.subGroups(g) {
			if sub.member(c.actor) != nil {
				return true
			}
		}
	}
	return false
}

// viewGroup is memberGroup relaxed by canView.
func (c *call) viewGroup(jid types.JID) (*group, *Error) {
	g, err := c.group(jid)
	if err != nil {
		return nil, err
	}
	if !c.canView(g) {
		return nil, ErrForbidden
	}
	return g, nil
}

// community resolves a community parent the actor may view; a group that is
// not a community answers 400 bad-request (assumed).
func (c *call) community(jid types.JID) (*group, *Error) {
	g, err := c.viewGroup(jid)
	if err != nil {
		return nil, err
	}
	if !g.IsParent {
		return nil, ErrBadRequest
	}
	return g, nil
}
