package groupsim

import (
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// Request children built the way whatsmeow group.go (pinned version)
// builds them; the comment on each names the client method.

// CreateGroup: <create subject key> with participants and options.
func createReq(name, key string, parts []types.JID, opts ...waBinary.Node) waBinary.Node {
	var ch []waBinary.Node
	for _, p := range parts {
		ch = append(ch, waBinary.Node{Tag: "participant", Attrs: waBinary.Attrs{"jid": p}})
	}
	ch = append(ch, opts...)
	return waBinary.Node{Tag: "create", Attrs: waBinary.Attrs{"subject": name, "key": key}, Content: ch}
}

// ReqCreateGroup.IsParent (whatsmeow defaults the approval mode).
func parentOpt() waBinary.Node {
	return waBinary.Node{Tag: "parent", Attrs: waBinary.Attrs{"default_membership_approval_mode": "request_required"}}
}

// ReqCreateGroup.LinkedParentJID.
func linkedParentOpt(community types.JID) waBinary.Node {
	return waBinary.Node{Tag: "linked_parent", Attrs: waBinary.Attrs{"jid": community}}
}

func ephemeralOpt(expiration string) waBinary.Node {
	return waBinary.Node{Tag: "ephemeral", Attrs: waBinary.Attrs{"expiration": expiration, "trigger": "1"}}
}

func approvalOpt(state string) waBinary.Node {
	return waBinary.Node{Tag: "membership_approval_mode", Content: []waBinary.Node{
		{Tag: "group_join", Attrs: waBinary.Attrs{"state": state}},
	}}
}

// GetGroupInfo.
func queryReq() waBinary.Node {
	return waBinary.Node{Tag: "query", Attrs: waBinary.Attrs{"request": "interactive"}}
}

// GetJoinedGroups.
func participatingReq() waBinary.Node {
	return waBinary.Node{Tag: "participating", Content: []waBinary.Node{{Tag: "participants"}, {Tag: "description"}}}
}

// UpdateGroupParticipants.
func participantsReq(action string, jids ...types.JID) waBinary.Node {
	ch := make([]waBinary.Node, len(jids))
	for i, j := range jids {
		ch[i] = waBinary.Node{Tag: "participant", Attrs: waBinary.Attrs{"jid": j}}
	}
	return waBinary.Node{Tag: action, Content: ch}
}

// UpdateGroupRequestParticipants.
func requestActionReq(action string, jids ...types.JID) waBinary.Node {
	return waBinary.Node{Tag: "membership_requests_action", Content: []waBinary.Node{participantsReq(action, jids...)}}
}

// SetGroupName.
func subjectReq(name string) waBinary.Node {
	return waBinary.Node{Tag: "subject", Content: []byte(name)}
}

// SetGroupTopic (with ids; empty topic deletes).
func topicReq(prev, id, topic string) waBinary.Node {
	attrs := waBinary.Attrs{"id": id}
	if prev != "" {
		attrs["prev"] = prev
	}
	n := waBinary.Node{Tag: "description", Attrs: attrs}
	if topic == "" {
		attrs["delete"] = "true"
	} else {
		n.Content = []waBinary.Node{{Tag: "body", Content: []byte(topic)}}
	}
	return n
}

// SetGroupDescription (no ids).
func descriptionReq(text string) waBinary.Node {
	return waBinary.Node{Tag: "description", Content: []waBinary.Node{{Tag: "body", Content: []byte(text)}}}
}

// SetGroupLocked / SetGroupAnnounce / SetDisappearingTimer.
func tagReq(tag string) waBinary.Node { return waBinary.Node{Tag: tag} }

// SetGroupMemberAddMode.
func addModeReq(mode string) waBinary.Node {
	return waBinary.Node{Tag: "member_add_mode", Content: []byte(mode)}
}

// SetDisappearingTimer for a group.
func ephemeralReq(seconds string) waBinary.Node {
	return waBinary.Node{Tag: "ephemeral", Attrs: waBinary.Attrs{"expiration": seconds}}
}

// GetGroupInviteLink (get, or set to reset).
func inviteReq() waBinary.Node { return waBinary.Node{Tag: "invite"} }

// GetGroupInfoFromLink (get) and JoinGroupWithLink (set), to g.us.
func inviteCodeReq(code string) waBinary.Node {
	return waBinary.Node{Tag: "invite", Attrs: waBinary.Attrs{"code": code}}
}

// LeaveGroup: attribute id holds the full JID.
func leaveReq(g types.JID) waBinary.Node {
	return waBinary.Node{Tag: "leave", Content: []waBinary.Node{{Tag: "group", Attrs: waBinary.Attrs{"id": g}}}}
}

// GetGroupRequestParticipants.
func requestListReq() waBinary.Node { return waBinary.Node{Tag: "membership_approval_requests"} }

// LinkGroup, sent to the parent.
func linkReq(child types.JID) waBinary.Node {
	return waBinary.Node{Tag: "links", Content: []waBinary.Node{{
		Tag:     "link",
		Attrs:   waBinary.Attrs{"link_type": string(types.GroupLinkChangeTypeSub)},
		Content: []waBinary.Node{{Tag: "group", Attrs: waBinary.Attrs{"jid": child}}},
	}}}
}

// UnlinkGroup, sent to the parent.
func unlinkReq(child types.JID) waBinary.Node {
	return waBinary.Node{
		Tag:     "unlink",
		Attrs:   waBinary.Attrs{"unlink_type": string(types.GroupLinkChangeTypeSub)},
		Content: []waBinary.Node{{Tag: "group", Attrs: waBinary.Attrs{"jid": child}}},
	}
}

// GetSubGroups / GetLinkedGroupsParticipants.
func subGroupsReq() waBinary.Node    { return waBinary.Node{Tag: "sub_groups"} }
func linkedPartsReq() waBinary.Node  { return waBinary.Node{Tag: "linked_groups_participants"} }
func groupJID(user string) types.JID { return types.NewJID(user, types.GroupServer) }

// SetGroupPhoto content: nil avatar sends no content at all.
func photoContent(avatar []byte) any {
	if avatar == nil {
		return nil
	}
	return []waBinary.Node{{Tag: "picture", Attrs: waBinary.Attrs{"type": "image"}, Content: avatar}}
}

// GetProfilePictureInfo content for a group (not community).
func photoQuery(existingID string) any {
	attrs := waBinary.Attrs{"query": "url", "type": "image"}
	if existingID != "" {
		attrs["id"] = existingID
	}
	return []waBinary.Node{{Tag: "picture", Attrs: attrs}}
}

var jpeg = []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F'}
