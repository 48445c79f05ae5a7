package groupsim

import (
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// Communities: a parent group (IsParent) plus subgroups pointing at it
// (Parent). Link and unlink are sent to the PARENT (whatsmeow LinkGroup,
// UnlinkGroup). Check order for both: unknown group 404, actor not a member
// of the parent (or, for link, of the child) 403, not admin 401, then the
// structural rules below.

// linkChange builds <link link_type=T> or <unlink unlink_type=T
// unlink_reason=R> around the other group, as parseGroupChange reads it
// (→ events.GroupInfo.Link / .Unlink).
func linkChange(tag, typ, reason string, other *group) waBinary.Node {
	attrs := waBinary.Attrs{tag + "_type": typ}
	if reason != "" {
		attrs["unlink_reason"] = reason
	}
	return waBinary.Node{Tag: tag, Attrs: attrs, Content: []waBinary.Node{linkTargetNode(other)}}
}

// checkSubGroupLimit: at most MaxSubGroups subgroups, the announcement
// group not counted. Code/text configurable; default 419 resource-limit
// (assumed).
func (c *call) checkSubGroupLimit(parent *group, adding int) *Error {
	if c.cfg.MaxSubGroups < 0 {
		return nil
	}
	n := 0
	for _, g := range c.st.subGroups(parent) {
		if !g.IsDefaultSub {
			n++
		}
	}
	if n+adding > c.cfg.MaxSubGroups {
		return &Error{Code: c.cfg.SubGroupLimitCode, Text: c.cfg.SubGroupLimitText}
	}
	return nil
}

// linkTargets reads the <group jid/> children of a link or unlink element.
func (c *call) linkTargets(n *waBinary.Node) ([]*group, *Error) {
	var out []*group
	for _, ch := range n.GetChildrenByTag("group") {
		j, ok := jidAttr(&ch, "jid")
		if !ok {
			return nil, ErrBadRequest
		}
		g, err := c.group(j)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	if len(out) == 0 {
		return nil, ErrBadRequest
	}
	return out, nil
}

// handleLink: <links><link link_type="sub_group"><group jid=CHILD/>….
// Rules: actor admin of both (401; 403 if not a member of either); the
// target must be a community (400, assumed); a community parent, the
// announcement group, or the parent itself cannot be linked (400, assumed);
// a group already linked here is accepted without change (assumed); a group
// linked to another community answers Config.LinkConflict* (default 400,
// assumed); the limit answers Config.SubGroupLimit* (default 419, assumed).
func (c *call) handleLink(target types.JID, n *waBinary.Node) ([]waBinary.Node, *Error) {
	parent, err := c.group(target)
	if err != nil {
		return nil, err
	}
	var children []*group
	for _, l := range n.GetChildren() {
		if typ, _ := strAttr(&l, "link_type"); l.Tag != "link" || typ != string(types.GroupLinkChangeTypeSub) {
			return nil, ErrBadRequest
		}
		gs, err := c.linkTargets(&l)
		if err != nil {
			return nil, err
		}
		children = append(children, gs...)
	}
	if len(children) == 0 {
		return nil, ErrBadRequest
	}
	if parent.member(c.actor) == nil {
		return nil, ErrForbidden
	}
	for _, ch := range children {
		if ch.member(c.actor) == nil {
			return nil, ErrForbidden
		}
	}
	if !parent.isAdmin(c.actor) {
		return nil, ErrNotAuthorized
	}
	for _, ch := range children {
		if !ch.isAdmin(c.actor) {
			return nil, ErrNotAuthorized
		}
	}
	if !parent.IsParent {
		return nil, ErrBadRequest
	}
	var fresh []*group
	seen := map[string]bool{}
	for _, ch := range children {
		switch {
		case ch.IsParent || ch.IsDefaultSub || ch.ID == parent.ID:
			return nil, ErrBadRequest
		case ch.Parent == parent.ID || seen[ch.ID]:
			// Idempotent.
		case ch.Parent != "":
			return nil, &Error{Code: c.cfg.LinkConflictCode, Text: c.cfg.LinkConflictText}
		default:
			seen[ch.ID] = true
			fresh = append(fresh, ch)
		}
	}
	if err := c.checkSubGroupLimit(parent, len(fresh)); err != nil {
		return nil, err
	}
	for _, ch := range fresh {
		ch.Parent = parent.ID
		c.changed = true
		// Audiences per wasim.md §7 (prototype trace): community members see
		// the new sub_group, the child's members see their parent_group.
		c.gp2Members(parent, linkChange("link", string(types.GroupLinkChangeTypeSub), "", ch))
		c.gp2Members(ch, linkChange("link", string(types.GroupLinkChangeTypeParent), "", parent))
	}
	return nil, nil
}

// handleUnlink: <unlink unlink_type="sub_group"><group jid=CHILD/>.
// Requires admin of the community only (a community admin may remove any
// group; assumed). A group not linked to this community answers 404
// (assumed); the announcement group cannot be unlinked (400, assumed).
func (c *call) handleUnlink(target types.JID, n *waBinary.Node) ([]waBinary.Node, *Error) {
	if typ, _ := strAttr(n, "unlink_type"); typ != string(types.GroupLinkChangeTypeSub) {
		return nil, ErrBadRequest
	}
	parent, err := c.adminGroup(target)
	if err != nil {
		return nil, err
	}
	children, err := c.linkTargets(n)
	if err != nil {
		return nil, err
	}
	if !parent.IsParent {
		return nil, ErrBadRequest
	}
	for _, ch := range children {
		if ch.IsDefaultSub {
			return nil, ErrBadRequest
		}
		if ch.Parent != parent.ID {
			return nil, ErrNotFound
		}
	}
	reason := string(types.GroupUnlinkReasonDefault)
	for _, ch := range children {
		if ch.Parent != parent.ID {
			continue // listed twice
		}
		ch.Parent = ""
		c.changed = true
		c.gp2Members(parent, linkChange("unlink", string(types.GroupLinkChangeTypeSub), reason, ch))
		c.gp2Members(ch, linkChange("unlink", string(types.GroupLinkChangeTypeParent), reason, parent))
	}
	return nil, nil
}

// handleSubGroups: GetSubGroups. <sub_groups> of <group id=USER subject
// s_t>, the announcement group marked with <default_sub_group/>. Visible to
// members of the community or of any subgroup; a non-community answers 400
// (assumed).
func (c *call) handleSubGroups(target types.JID, _ *waBinary.Node) ([]waBinary.Node, *Error) {
	parent, err := c.community(target)
	if err != nil {
		return nil, err
	}
	var out []waBinary.Node
	for _, g := range c.st.subGroups(parent) {
		if g.Unlisted {
			continue
		}
		n := waBinary.Node{Tag: "group", Attrs: waBinary.Attrs{
			"id": g.ID, "subject": g.Subject, "s_t": itoa(g.SubjectTime),
		}}
		if g.IsDefaultSub {
			n.Content = []waBinary.Node{{Tag: "default_sub_group"}}
		}
		out = append(out, n)
	}
	return []waBinary.Node{{Tag: "sub_groups", Content: nodes(out...)}}, nil
}

// handleLinkedParticipants: GetLinkedGroupsParticipants. The union of the
// members of every linked subgroup, announcement group included, each
// once, with lid so the client stores the LID/phone pair.
func (c *call) handleLinkedParticipants(target types.JID, _ *waBinary.Node) ([]waBinary.Node, *Error) {
	parent, err := c.community(target)
	if err != nil {
		return nil, err
	}
	seen := map[types.JID]bool{}
	var out []waBinary.Node
	for _, g := range c.st.subGroups(parent) {
		for _, m := range g.Members {
			if !seen[m.JID] {
				seen[m.JID] = true
				out = append(out, participantNode(m, false, false))
			}
		}
	}
	return []waBinary.Node{{Tag: "linked_groups_participants", Content: nodes(out...)}}, nil
}
