package groupsim

import (
	"strconv"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// Group info and settings setters. Each answers an empty result and, when
// something actually changed, notifies all members with the child that
// parseGroupChange maps to the matching events.GroupInfo field. A setter
// that changes nothing sends no notification (assumed).

// handleSubject: SetGroupName sends <subject>NAME</subject>.
func (c *call) handleSubject(target types.JID, n *waBinary.Node) ([]waBinary.Node, *Error) {
	g, err := c.infoEditorGroup(target)
	if err != nil {
		return nil, err
	}
	name := string(content(n))
	if err := c.checkSubject(name); err != nil {
		return nil, err
	}
	g.Subject, g.SubjectTime, g.SubjectOwner = name, c.unix(), c.actor
	c.changed = true
	// parseGroupChange requires subject and s_t; s_o is optional.
	c.gp2Members(g, waBinary.Node{Tag: "subject", Attrs: waBinary.Attrs{
		"subject": name, "s_t": itoa(g.SubjectTime), "s_o": c.actor,
	}})
	return nil, nil
}

// handleDescription: SetGroupTopic sends <description id=NEW prev=OLD>
// with <body>, or delete="true" without body; SetGroupDescription sends a
// body without ids. prev is not checked against the current id (assumed:
// the real conflict answer is unknown and has no whatsmeow sentinel).
func (c *call) handleDescription(target types.JID, n *waBinary.Node) ([]waBinary.Node, *Error) {
	g, err := c.infoEditorGroup(target)
	if err != nil {
		return nil, err
	}
	id, _ := strAttr(n, "id")
	if id == "" {
		id = newDescriptionID()
	}
	var text string
	if body, ok := n.GetOptionalChildByTag("body"); ok {
		text = string(content(&body))
	}
	if del, _ := strAttr(n, "delete"); del == "true" {
		text = ""
	}
	g.Description, g.DescriptionID, g.DescriptionTime, g.DescriptionOwner = text, id, c.unix(), c.actor
	c.changed = true
	// parseGroupChange requires id; <delete/> marks removal, otherwise it
	// requires a <body> with byte content.
	change := waBinary.Node{Tag: "description", Attrs: waBinary.Attrs{"id": id}}
	if text == "" {
		change.Content = []waBinary.Node{{Tag: "delete"}}
	} else {
		change.Content = []waBinary.Node{{Tag: "body", Content: []byte(text)}}
	}
	c.gp2Members(g, change)
	return nil, nil
}

// handleLocked: SetGroupLocked sends <locked/> or <unlocked/>. Admin only.
func (c *call) handleLocked(target types.JID, n *waBinary.Node) ([]waBinary.Node, *Error) {
	g, err := c.adminGroup(target)
	if err != nil {
		return nil, err
	}
	want := n.Tag == "locked"
	if g.Locked != want {
		g.Locked = want
		c.changed = true
		c.gp2Members(g, waBinary.Node{Tag: n.Tag})
	}
	return nil, nil
}

// handleAnnounce: SetGroupAnnounce sends <announcement/> or
// <not_announcement/>. Admin only. The notification MUST carry v_id:
// parseGroupChange reads it with cag.String and drops the notification
// without it.
func (c *call) handleAnnounce(target types.JID, n *waBinary.Node) ([]waBinary.Node, *Error) {
	g, err := c.adminGroup(target)
	if err != nil {
		return nil, err
	}
	if g.IsParent && c.cfg.RejectCommunitySettings {
		return nil, ErrBadRequest // quirk, tulir/whatsmeow#1232
	}
	want := n.Tag == "announcement"
	if g.IsDefaultSub && !want {
		// The announcement group exists to be admin-only (assumed).
		return nil, ErrBadRequest
	}
	if g.Announce != want {
		g.Announce = want
		g.AnnounceVersion++
		c.changed = true
		c.gp2Members(g, waBinary.Node{Tag: n.Tag, Attrs: waBinary.Attrs{
			"v_id": strconv.FormatUint(g.AnnounceVersion, 10),
		}})
	}
	return nil, nil
}

// handleApprovalMode: SetGroupJoinApprovalMode sends
// <membership_approval_mode><group_join state=on|off/>. Admin only.
// Pending requests are kept when approval is switched off (assumed).
// Note: whatsmeow parseGroupChange reports IsJoinApprovalRequired=true for
// ANY membership_approval_mode child, so clients see "off" as true; that is
// a client limitation, the notification carries the real state.
func (c *call) handleApprovalMode(target types.JID, n *waBinary.Node) ([]waBinary.Node, *Error) {
	g, err := c.adminGroup(target)
	if err != nil {
		return nil, err
	}
	gj, ok := n.GetOptionalChildByTag("group_join")
	st, _ := strAttr(&gj, "state")
	if !ok || (st != "on" && st != "off") {
		return nil, ErrBadRequest
	}
	want := st == "on"
	if g.JoinApproval != want {
		g.JoinApproval = want
		c.changed = true
		c.gp2Members(g, approvalNode(want))
	}
	return nil, nil
}

// handleMemberAddMode: SetGroupMemberAddMode sends
// <member_add_mode>admin_add|all_member_add</member_add_mode>. Admin only.
// whatsmeow has no parser case for it, so the notification reaches the
// client as events.GroupInfo.UnknownChanges.
func (c *call) handleMemberAddMode(target types.JID, n *waBinary.Node) ([]waBinary.Node, *Error) {
	g, err := c.adminGroup(target)
	if err != nil {
		return nil, err
	}
	if g.IsParent && c.cfg.RejectCommunitySettings {
		return nil, ErrBadRequest // quirk, tulir/whatsmeow#1232
	}
	mode := string(content(n))
	if mode != addModeAdmin && mode != addModeAll {
		return nil, ErrBadRequest
	}
	if g.MemberAddMode != mode {
		g.MemberAddMode = mode
		c.changed = true
		c.gp2Members(g, waBinary.Node{Tag: "member_add_mode", Content: []byte(mode)})
	}
	return nil, nil
}

// handleEphemeral: SetDisappearingTimer sends <ephemeral expiration=N/> or
// <not_ephemeral/>. Non-standard durations answer 400 bad-request, which
// whatsmeow wraps as ErrInvalidDisappearingTimer (send.go).
func (c *call) handleEphemeral(target types.JID, n *waBinary.Node) ([]waBinary.Node, *Error) {
	g, err := c.infoEditorGroup(target)
	if err != nil {
		return nil, err
	}
	var want uint32
	if n.Tag == "ephemeral" {
		exp, _ := strAttr(n, "expiration")
		v, perr := strconv.ParseUint(exp, 10, 32)
		if perr != nil || v == 0 || !validEphemeral(uint32(v)) {
			return nil, ErrBadRequest
		}
		want = uint32(v)
	}
	if g.Ephemeral != want {
		g.Ephemeral = want
		c.changed = true
		change := waBinary.Node{Tag: "not_ephemeral"}
		if want > 0 {
			change = waBinary.Node{Tag: "ephemeral", Attrs: waBinary.Attrs{"expiration": strconv.FormatUint(uint64(want), 10)}}
		}
		c.gp2Members(g, change)
	}
	return nil, nil
}
