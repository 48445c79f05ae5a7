package groupsim

import (
	"sort"

	"go.mau.fi/whatsmeow/types"
)

// Roles as they appear in the participant type attribute; parseParticipant
// treats both admin and superadmin as admins.
const (
	roleMember     = ""
	roleAdmin      = "admin"
	roleSuperAdmin = "superadmin"
)

// Member add modes (types.GroupMemberAddMode).
const (
	addModeAdmin = "admin_add"
	addModeAll   = "all_member_add"
)

// state is everything the engine knows. It is plain data so that
// MarshalState can write it as JSON unchanged.
type state struct {
	Version int               `json:"version"`
	Groups  map[string]*group `json:"groups"` // by group user part ("120363…")
	// LIDs maps LID user parts to phone JIDs learned from the Directory, so a
	// request naming a participant by @lid JID without phone_number can still
	// be resolved (the Directory only maps phone → LID).
	LIDs             map[string]types.JID `json:"lids"`
	NextNotification uint64               `json:"next_notification"`
	NextPicture      uint64               `json:"next_picture"`
}

const stateVersion = 1

func newState() *state {
	return &state{
		Version:          stateVersion,
		Groups:           map[string]*group{},
		LIDs:             map[string]types.JID{},
		NextNotification: 1000000,
		NextPicture:      1,
	}
}

type group struct {
	ID       string    `json:"id"`
	Creator  types.JID `json:"creator"`
	Creation int64     `json:"creation"`

	Subject      string    `json:"subject"`
	SubjectTime  int64     `json:"subject_time"`
	SubjectOwner types.JID `json:"subject_owner"`

	Description      string    `json:"description,omitempty"`
	DescriptionID    string    `json:"description_id,omitempty"`
	DescriptionTime  int64     `json:"description_time,omitempty"`
	DescriptionOwner types.JID `json:"description_owner"`

	Members []*member `json:"members"`

	// Community structure. A parent has IsParent; its subgroups point at it
	// with Parent; the announcement group also has IsDefaultSub.
	IsParent                  bool   `json:"is_parent,omitempty"`
	DefaultMembershipApproval string `json:"default_membership_approval_mode,omitempty"`
	Parent                    string `json:"parent,omitempty"`
	IsDefaultSub              bool   `json:"is_default_sub,omitempty"`

	Announce        bool   `json:"announce,omitempty"`
	AnnounceVersion uint64 `json:"announce_version,omitempty"`
	Locked          bool   `json:"locked,omitempty"`
	JoinApproval    bool   `json:"join_approval,omitempty"`
	MemberAddMode   string `json:"member_add_mode"`
	Ephemeral       uint32 `json:"ephemeral,omitempty"`

	InviteCode   string     `json:"invite_code"`
	RevokedCodes []string   `json:"revoked_codes,omitempty"`
	Pending      []*request `json:"pending,omitempty"`

	PictureID string `json:"picture_id,omitempty"`
	Picture   []byte `json:"picture,omitempty"`

	// LIDAddressed lists members by LID (addressing_mode="lid", each participant jid=LID with
	// phone_number=PN), as the real service does for groups made since it moved to LIDs.
	LIDAddressed bool `json:"lid_addressed,omitempty"`
	// Unlisted leaves a linked subgroup out of its community's sub_groups answer, as WhatsApp
	// lists only some subgroups (those the asker is in); the group still names its parent.
	Unlisted bool `json:"unlisted,omitempty"`
}

type member struct {
	JID  types.JID `json:"jid"` // phone JID; the member key
	LID  types.JID `json:"lid"`
	Role string    `json:"role,omitempty"`
}

type request struct {
	JID  types.JID `json:"jid"`
	LID  types.JID `json:"lid"`
	Time int64     `json:"time"`
}

func (g *group) jid() types.JID { return types.NewJID(g.ID, types.GroupServer) }

func (g *group) member(pn types.JID) *member {
	for _, m := range g.Members {
		if m.JID == pn {
			return m
		}
	}
	return nil
}

func (g *group) isAdmin(pn types.JID) bool {
	m := g.member(pn)
	return m != nil && m.Role != roleMember
}

func (g *group) removeMember(pn types.JID) bool {
	for i, m := range g.Members {
		if m.JID == pn {
			g.Members = append(g.Members[:i], g.Members[i+1:]...)
			return true
		}
	}
	return false
}

func (g *group) memberJIDs() []types.JID {
	out := make([]types.JID, len(g.Members))
	for i, m := range g.Members {
		out[i] = m.JID
	}
	return out
}

func (g *group) pending(pn types.JID) int {
	for i, r := range g.Pending {
		if r.JID == pn {
			return i
		}
	}
	return -1
}

func (g *group) dropPending(pn types.JID) bool {
	if i := g.pending(pn); i >= 0 {
		g.Pending = append(g.Pending[:i], g.Pending[i+1:]...)
		return true
	}
	return false
}

func (g *group) codeRevoked(code string) bool {
	for _, c := range g.RevokedCodes {
		if c == code {
			return true
		}
	}
	return false
}

// subGroups lists the groups linked to community parent, announcement
// group first and the rest by id, so answers are deterministic.
func (s *state) subGroups(parent *group) []*group {
	var out []*group
	for _, g := range s.Groups {
		if g.Parent == parent.ID {
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].IsDefaultSub != out[j].IsDefaultSub {
			return out[i].IsDefaultSub
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// announcementGroup is the community's default subgroup, or nil.
func (s *state) announcementGroup(parent *group) *group {
	for _, g := range s.Groups {
		if g.Parent == parent.ID && g.IsDefaultSub {
			return g
		}
	}
	return nil
}

func (s *state) byJID(jid types.JID) *group {
	if jid.Server != types.GroupServer || jid.User == "" {
		return nil
	}
	return s.Groups[jid.User]
}

func (s *state) byInvite(code string) (g *group, revoked bool) {
	for _, g := range s.Groups {
		if g.InviteCode == code {
			return g, false
		}
	}
	for _, g := range s.Groups {
		if g.codeRevoked(code) {
			return g, true
		}
	}
	return nil, false
}

// sortedGroups returns all groups ordered by id.
func (s *state) sortedGroups() []*group {
	out := make([]*group, 0, len(s.Groups))
	for _, g := range s.Groups {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
