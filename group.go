package switchboard

import (
	"context"
	"time"
)

// Group is WhatsApp's view of a group or community as the instance sees it.
type Group struct {
	JID               JID
	Name              string
	NameSetBy         JID
	NameSetAt         time.Time
	Topic             string
	TopicSetBy        JID
	TopicSetAt        time.Time
	Creator           JID
	CreatedAt         time.Time
	IsCommunity       bool // a community's parent group
	IsDefaultSubGroup bool // a community's announcement group
	LinkedParent      JID  // the community a subgroup belongs to
	Locked            bool // only admins edit the group info
	Announce          bool // only admins send messages
	JoinApproval      bool
	MemberAddMode     string // "admin_add" or "all_member_add"
	IsEphemeral       bool
	IsIncognito       bool
	IsSuspended       bool
	Participants      []Participant
	// NotAdded lists the participants a create request named that WhatsApp refused to add,
	// each with WhatsApp's per-participant code. Only CreateGroup fills it; they are not in
	// Participants.
	NotAdded []ParticipantResult
}

// Participant is a group member.
type Participant struct {
	JID          JID
	LID          JID
	PhoneNumber  JID
	IsAdmin      bool
	IsSuperAdmin bool
}

// SubGroup is a group linked to a community, as WhatsApp lists it.
type SubGroup struct {
	JID       JID
	Name      string
	IsDefault bool // the community's announcement group
}

// ParticipantResult is the outcome for one participant of a bulk participant change.
type ParticipantResult struct {
	JID   JID
	OK    bool
	Error string // WhatsApp's per-participant code ("403", "404", "409", ...) when !OK
}

// JoinRequest is a pending membership request of an approval-mode group.
type JoinRequest struct {
	JID         JID
	PhoneNumber JID
	RequestedAt time.Time
}

// CreateGroupParams describe a new group or community.
type CreateGroupParams struct {
	Name          string
	Participants  []JID
	IsCommunity   bool
	LinkedParent  JID // create the group inside this community
	Locked        bool
	Announce      bool
	JoinApproval  bool
	MemberAddMode string // "" keeps WhatsApp's default
	Description   string // communities take it at creation; groups get it in a follow-up call
}

// GroupAction is a participant change.
type GroupAction string

const (
	ActionAdd     GroupAction = "add"
	ActionRemove  GroupAction = "remove"
	ActionPromote GroupAction = "promote"
	ActionDemote  GroupAction = "demote"
	ActionApprove GroupAction = "approve"
	ActionReject  GroupAction = "reject"
)

// GroupClient is one connected instance's access to WhatsApp groups. Every method is one
// WhatsApp round trip; errors are *Error with codes translated from WhatsApp's answers
// (CodeNotFound, CodeForbidden for not-admin/not-member, CodeRateLimited, CodeWhatsAppFailure...).
type GroupClient interface {
	OwnJID() JID
	GroupInfo(ctx context.Context, group JID) (*Group, error)
	// PictureURL is the URL of the current picture of a group (community: a community's
	// parent), "" when it has none.
	PictureURL(ctx context.Context, group JID, community bool) (string, error)
	JoinedGroups(ctx context.Context) ([]*Group, error)
	CreateGroup(ctx context.Context, p CreateGroupParams) (*Group, error)
	SubGroups(ctx context.Context, community JID) ([]SubGroup, error)
	LinkedGroupsParticipants(ctx context.Context, community JID) ([]JID, error)
	LinkGroup(ctx context.Context, community, group JID) error
	UnlinkGroup(ctx context.Context, community, group JID) error
	SetName(ctx context.Context, group JID, name string) error
	SetTopic(ctx context.Context, group JID, topic string) error
	SetPhoto(ctx context.Context, group JID, jpeg []byte) error // nil removes the photo
	SetLocked(ctx context.Context, group JID, locked bool) error
	SetAnnounce(ctx context.Context, group JID, announce bool) error
	SetJoinApproval(ctx context.Context, group JID, on bool) error
	SetMemberAddMode(ctx context.Context, group JID, allMembers bool) error
	UpdateParticipants(ctx context.Context, group JID, action GroupAction, users []JID) ([]ParticipantResult, error)
	JoinRequests(ctx context.Context, group JID) ([]JoinRequest, error)
	InviteCode(ctx context.Context, group JID, reset bool) (string, error)
	GroupInfoFromInvite(ctx context.Context, code string) (*Group, error)
	JoinWithInvite(ctx context.Context, code string) (group JID, pending bool, err error)
	Leave(ctx context.Context, group JID) error
}
