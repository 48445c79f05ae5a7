package groupsim

import (
	"strconv"
	"unicode/utf8"

	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// partReq is a participant as named in a request.
type partReq struct{ jid, phone types.JID }

// createSpec is a create request independent of where it came from.
type createSpec struct {
	name, key       string
	participants    []partReq
	admins          map[types.JID]bool
	isParent        bool
	defaultApproval string
	linkedParent    types.JID
	locked          bool
	announce        bool
	approval        bool
	ephemeral       uint32
	memberAddMode   string
	description     string
	generalChat     bool // <create_general_chat/>: also make the "General" subgroup
}

// parseCreate reads the <create> child that whatsmeow CreateGroup builds.
// Unknown children are ignored: newer clients add more of them (wasim.md
// §10 upgrade notes), and the simulator asserts semantics, not shapes.
func parseCreate(n *waBinary.Node) (createSpec, *Error) {
	var s createSpec
	name, ok := strAttr(n, "subject")
	if !ok {
		return s, ErrBadRequest
	}
	s.name = name
	s.key, _ = strAttr(n, "key")
	for _, ch := range n.GetChildren() {
		switch ch.Tag {
		case "participant":
			j, ok := jidAttr(&ch, "jid")
			if !ok {
				return s, ErrBadRequest
			}
			phone, _ := jidAttr(&ch, "phone_number")
			s.participants = append(s.participants, partReq{j, phone})
		case "parent":
			s.isParent = true
			s.defaultApproval, _ = strAttr(&ch, "default_membership_approval_mode")
			if _, ok := ch.GetOptionalChildByTag("create_general_chat"); ok {
				s.generalChat = true
			}
		case "create_general_chat":
			// Baileys' communityCreate sends it next to <parent>; the
			// pinned whatsmeow never does.
			s.generalChat = true
		case "linked_parent":
			j, ok := jidAttr(&ch, "jid")
			if !ok {
				return s, ErrBadRequest
			}
			s.linkedParent = j
		case "locked":
			s.locked = true
		case "announcement":
			s.announce = true
		case "ephemeral":
			exp, _ := strAttr(&ch, "expiration")
			v, err := strconv.ParseUint(exp, 10, 32)
			if err != nil || !validEphemeral(uint32(v)) {
				return s, ErrBadRequest
			}
			s.ephemeral = uint32(v)
		case "membership_approval_mode":
			s.approval = approvalOn(&ch)
		case "member_add_mode":
			mode := string(content(&ch))
			if mode != addModeAdmin && mode != addModeAll {
				return s, ErrBadRequest
			}
			s.memberAddMode = mode
		case "description":
			if body, ok := ch.GetOptionalChildByTag("body"); ok {
				s.description = string(content(&body))
			}
		}
	}
	// whatsmeow sends one or the other; both at once is contradictory.
	if s.isParent && !s.linkedParent.IsEmpty() {
		return s, ErrBadRequest
	}
	return s, nil
}

func approvalOn(n *waBinary.Node) bool {
	gj, ok := n.GetOptionalChildByTag("group_join")
	if !ok {
		return false
	}
	st, _ := strAttr(&gj, "state")
	return st == "on"
}

// validEphemeral: whatsmeow send.go SetDisappearingTimer says the server
// rejects non-standard durations in groups (400 → ErrInvalidDisappearingTimer).
func validEphemeral(v uint32) bool {
	switch v {
	case 0, 86400, 604800, 7776000:
		return true
	}
	return false
}

func (c *call) checkSubject(name string) *Error {
	if name == "" {
		return ErrBadRequest // assumed
	}
	if utf8.RuneCountInString(name) > c.cfg.MaxSubjectLength {
		return ErrNotAcceptable // whatsmeow ReqCreateGroup comment
	}
	return nil
}

// create makes the group (and, for a community, its announcement group).
// It returns the group the client asked for plus per-participant failures.
func (c *call) create(s createSpec) (*group, []waBinary.Node, *Error) {
	if err := c.checkSubject(s.name); err != nil {
		return nil, nil, err
	}
	if s.isParent && c.cfg.RejectCommunityCreate {
		return nil, nil, ErrBadRequest
	}
	var community *group
	if !s.linkedParent.IsEmpty() {
		var err *Error
		if community, err = c.adminGroup(s.linkedParent); err != nil {
			return nil, nil, err
		}
		if !community.IsParent {
			return nil, nil, ErrBadRequest
		}
		if err := c.checkSubGroupLimit(community, 1); err != nil {
			return nil, nil, err
		}
	}

	// The creator is added implicitly (ReqCreateGroup comment) as superadmin.
	members := []*member{{JID: c.actor, LID: c.actorLID(), Role: roleSuperAdmin}}
	seen := map[types.JID]bool{c.actor: true}
	var failed []waBinary.Node
	for _, p := range s.participants {
		pn, lid, ok := c.resolve(p.jid, p.phone)
		if !ok {
			failed = append(failed, echoParticipant(p.jid, pn, lid, partNotOnWhatsApp))
			continue
		}
		if seen[pn] {
			continue
		}
		seen[pn] = true
		role := roleMember
		if s.admins[pn] {
			role = roleAdmin
		}
		members = append(members, &member{JID: pn, LID: lid, Role: role})
	}

	g := c.newGroup(s.name, members)
	g.Locked, g.Announce, g.JoinApproval, g.Ephemeral = s.locked, s.announce, s.approval, s.ephemeral
	if s.announce {
		g.AnnounceVersion = 1
	}
	if s.memberAddMode != "" {
		g.MemberAddMode = s.memberAddMode
	}
	if s.description != "" {
		g.Description, g.DescriptionID = s.description, newDescriptionID()
		g.DescriptionTime, g.DescriptionOwner = c.unix(), c.actor
	}
	var announcement, general *group
	if s.isParent {
		g.IsParent = true
		g.DefaultMembershipApproval = s.defaultApproval
		announcement = c.newAnnouncementGroup(g)
		if s.generalChat {
			general = c.newGeneralGroup(g)
		}
	}
	if community != nil {
		g.Parent = community.ID
	}

	c.joined(g, g.memberJIDs(), "", "new", s.key)
	if announcement != nil {
		c.joined(announcement, announcement.memberJIDs(), "", "new", "")
	}
	if general != nil {
		c.joined(general, general.memberJIDs(), "", "new", "")
	}
	if community != nil {
		// Community members learn about the new subgroup like a link (assumed).
		c.gp2Members(community, linkChange("link", "sub_group", "", g))
	}
	return g, failed, nil
}

// newGroup stores a fresh group with default settings.
func (c *call) newGroup(name string, members []*member) *group {
	g := &group{
		ID:           c.newGroupID(),
		Creator:      c.actor,
		Creation:     c.unix(),
		Subject:      name,
		SubjectTime:  c.unix(),
		SubjectOwner: c.actor,
		Members:      members,
		// Default assumed: only admins add members (the brief's rule that a
		// non-admin add answers 401 relies on it).
		MemberAddMode: addModeAdmin,
		InviteCode:    c.newInviteCode(),
		LIDAddressed:  c.cfg.LIDAddressing,
	}
	c.st.Groups[g.ID] = g
	c.changed = true
	return g
}

// newAnnouncementGroup auto-creates a community's default subgroup
// (ReqCreateGroup comment: "the linked announcement group will be created
// automatically by the server"). It carries announcement + default_sub_group
// + linked_parent and mirrors the parent's members and roles; it takes the
// community's name (assumed; clients label it "Announcements").
func (c *call) newAnnouncementGroup(parent *group) *group {
	members := make([]*member, len(parent.Members))
	for i, m := range parent.Members {
		cp := *m
		members[i] = &cp
	}
	a := c.newGroup(parent.Subject, members)
	a.Announce, a.AnnounceVersion = true, 1
	a.IsDefaultSub = true
	a.Parent = parent.ID
	return a
}

// newGeneralGroup makes the ordinary "General" subgroup a community gets
// when its creator asks for one (<create_general_chat/>): linked to the
// community, open to all (not announcement-only), with the creator's
// members. Its name and membership are assumed from the WhatsApp apps,
// which show a "General" chat in new communities.
func (c *call) newGeneralGroup(parent *group) *group {
	members := make([]*member, len(parent.Members))
	for i, m := range parent.Members {
		cp := *m
		members[i] = &cp
	}
	g := c.newGroup("General", members)
	g.Parent = parent.ID
	return g
}

func (c *call) handleCreate(_ types.JID, n *waBinary.Node) ([]waBinary.Node, *Error) {
	spec, err := parseCreate(n)
	if err != nil {
		return nil, err
	}
	g, failed, err := c.create(spec)
	if err != nil {
		return nil, err
	}
	// Failed participants are listed with error attributes in the reply only
	// (types.GroupParticipant.Error: "When creating groups, adding some
	// participants may fail").
	return []waBinary.Node{groupNode(g, groupNodeOpts{participants: true, description: true, extra: failed})}, nil
}
