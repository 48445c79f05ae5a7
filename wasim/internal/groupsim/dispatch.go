package groupsim

import (
	waBinary "go.mau.fi/whatsmeow/binary"
	"go.mau.fi/whatsmeow/types"
)

// handler answers one request child. It returns the reply's children or an
// IQ error. Handlers validate everything before mutating, so an error
// never leaves a half-applied change.
type handler func(c *call, target types.JID, child *waBinary.Node) ([]waBinary.Node, *Error)

type route struct {
	typ string // get or set
	fn  handler
}

// globalRoutes are requests sent to g.us (types.GroupServerJID).
var globalRoutes = map[string][]route{
	"create":        {{"set", (*call).handleCreate}},
	"participating": {{"get", (*call).handleParticipating}},
	"invite":        {{"get", (*call).handleLinkInfo}, {"set", (*call).handleLinkJoin}},
	"leave":         {{"set", (*call).handleLeave}},
}

// groupRoutes are requests sent to a group JID.
var groupRoutes = map[string][]route{
	"query":                        {{"get", (*call).handleQuery}},
	"subject":                      {{"set", (*call).handleSubject}},
	"description":                  {{"set", (*call).handleDescription}},
	"locked":                       {{"set", (*call).handleLocked}},
	"unlocked":                     {{"set", (*call).handleLocked}},
	"announcement":                 {{"set", (*call).handleAnnounce}},
	"not_announcement":             {{"set", (*call).handleAnnounce}},
	"membership_approval_mode":     {{"set", (*call).handleApprovalMode}},
	"member_add_mode":              {{"set", (*call).handleMemberAddMode}},
	"ephemeral":                    {{"set", (*call).handleEphemeral}},
	"not_ephemeral":                {{"set", (*call).handleEphemeral}},
	"add":                          {{"set", (*call).handleParticipants}},
	"remove":                       {{"set", (*call).handleParticipants}},
	"promote":                      {{"set", (*call).handleParticipants}},
	"demote":                       {{"set", (*call).handleParticipants}},
	"invite":                       {{"get", (*call).handleInvite}, {"set", (*call).handleInvite}},
	"membership_approval_requests": {{"get", (*call).handleRequestList}},
	"membership_requests_action":   {{"set", (*call).handleRequestAction}},
	"links":                        {{"set", (*call).handleLink}},
	"unlink":                       {{"set", (*call).handleUnlink}},
	"sub_groups":                   {{"get", (*call).handleSubGroups}},
	"linked_groups_participants":   {{"get", (*call).handleLinkedParticipants}},
	"pictures":                     {{"get", (*call).handleCommunityPicture}},
	"accept":                       {{"set", (*call).handleInviteMessage}},
}

func (c *call) dispatch(iq *waBinary.Node) waBinary.Node {
	if iq == nil || iq.Tag != "iq" {
		return errorIQ(&waBinary.Node{}, ErrBadRequest)
	}
	typ, _ := strAttr(iq, "type")
	xmlns, _ := strAttr(iq, "xmlns")
	c.iqType = typ
	var (
		out []waBinary.Node
		err *Error
	)
	switch xmlns {
	case "w:g2":
		out, err = c.dispatchG2(iq, typ)
	case "w:profile:picture":
		out, err = c.dispatchPicture(iq, typ)
	default:
		err = ErrBadRequest
	}
	if err != nil {
		return errorIQ(iq, err)
	}
	return resultIQ(iq, out...)
}

func (c *call) dispatchG2(iq *waBinary.Node, typ string) ([]waBinary.Node, *Error) {
	to, ok := jidAttr(iq, "to")
	children := iq.GetChildren()
	// sendGroupIQ always sends exactly one child.
	if !ok || to.Server != types.GroupServer || len(children) != 1 {
		return nil, ErrBadRequest
	}
	child := &children[0]
	table := groupRoutes
	if to.User == "" {
		table = globalRoutes
	}
	for _, r := range table[child.Tag] {
		if r.typ == typ {
			return r.fn(c, to, child)
		}
	}
	// Unknown operation or wrong get/set: assumed bad-request (never a
	// silent empty result, which would hide a shape mismatch).
	return nil, ErrBadRequest
}
