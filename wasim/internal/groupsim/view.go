package groupsim

import (
	"bytes"
	"time"

	"go.mau.fi/whatsmeow/types"
)

// ParticipantView is a member as the core and the sandbox API see it.
type ParticipantView struct {
	JID  types.JID
	LID  types.JID // empty when the Directory gave none
	Role string    // "", "admin" or "superadmin"
}

// GroupView is a read-only copy of a group, for the core (message fan-out,
// announce checks) and for test assertions.
type GroupView struct {
	JID               types.JID
	Name, Description string
	IsCommunity       bool
	IsDefaultSubGroup bool
	Parent            types.JID // community of a linked subgroup
	Participants      []ParticipantView
	SubGroups         []types.JID // of a community, announcement group first
	InviteCode        string
	Announce          bool
	Locked            bool
	JoinApproval      bool
	MemberAddMode     string
	Ephemeral         uint32 // disappearing timer in seconds, 0 = off
	PictureID         string
	Creation          time.Time
	Creator           types.JID
	PendingRequests   []types.JID
}

func (c *call) view(g *group) GroupView { return viewOf(c.st, g) }

func viewOf(st *state, g *group) GroupView {
	v := GroupView{
		JID:               g.jid(),
		Name:              g.Subject,
		Description:       g.Description,
		IsCommunity:       g.IsParent,
		IsDefaultSubGroup: g.IsDefaultSub,
		InviteCode:        g.InviteCode,
		Announce:          g.Announce,
		Locked:            g.Locked,
		JoinApproval:      g.JoinApproval,
		MemberAddMode:     g.MemberAddMode,
		Ephemeral:         g.Ephemeral,
		PictureID:         g.PictureID,
		Creation:          time.Unix(g.Creation, 0),
		Creator:           g.Creator,
	}
	if g.Parent != "" {
		v.Parent = types.NewJID(g.Parent, types.GroupServer)
	}
	for _, m := range g.Members {
		v.Participants = append(v.Participants, ParticipantView{JID: m.JID, LID: m.LID, Role: m.Role})
	}
	if g.IsParent {
		for _, sub := range st.subGroups(g) {
			v.SubGroups = append(v.SubGroups, sub.jid())
		}
	}
	for _, r := range g.Pending {
		v.PendingRequests = append(v.PendingRequests, r.JID)
	}
	return v
}

// Group returns a copy of one group.
func (e *Engine) Group(jid types.JID) (GroupView, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	g := e.st.byJID(jid)
	if g == nil {
		return GroupView{}, false
	}
	return viewOf(e.st, g), true
}

// SetAddressing makes an existing group LID-addressed (lid) or PN-addressed, for tests of
// both forms in one world. It reports whether the group exists.
func (e *Engine) SetAddressing(jid types.JID, lid bool) bool {
	return e.setFlag(jid, func(g *group) { g.LIDAddressed = lid })
}

// SetUnlisted leaves a linked subgroup out of (or puts it back into) its community's
// sub_groups answer. It reports whether the group exists.
func (e *Engine) SetUnlisted(jid types.JID, unlisted bool) bool {
	return e.setFlag(jid, func(g *group) { g.Unlisted = unlisted })
}

func (e *Engine) setFlag(jid types.JID, set func(*group)) bool {
	e.mu.Lock()
	g := e.st.byJID(jid)
	if g != nil {
		set(g)
	}
	onChange := e.onChange
	e.mu.Unlock()
	if g != nil && onChange != nil {
		onChange()
	}
	return g != nil
}

// Groups returns copies of all groups, ordered by JID.
func (e *Engine) Groups() []GroupView {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []GroupView
	for _, g := range e.st.sortedGroups() {
		out = append(out, viewOf(e.st, g))
	}
	return out
}

// Picture returns a group's current photo, for a core that serves the
// url it advertises.
func (e *Engine) Picture(jid types.JID) (id string, jpeg []byte, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	g := e.st.byJID(jid)
	if g == nil || g.PictureID == "" {
		return "", nil, false
	}
	return g.PictureID, bytes.Clone(g.Picture), true
}
