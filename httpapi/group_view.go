package httpapi

import (
	"github.com/switchboard/switchboard"
)

// inviteLinkPrefix turns an invite code into the link WhatsApp shares.
const inviteLinkPrefix = "https://chat.whatsapp.com/"

// groupInfoJSON is RyzeAPI's GroupInfo (section 2.0), returned by group create and update and
// inside community create.
type groupInfoJSON struct {
	Name             string            `json:"name"`
	JID              string            `json:"jid"`
	Description      string            `json:"description"`
	InviteCode       string            `json:"inviteCode"`
	InviteLink       string            `json:"inviteLink"`
	CreatedBy        string            `json:"createdBy"`
	ParticipantCount int               `json:"participantCount"`
	Participants     []participantJSON `json:"participants"`
	GroupSettings    groupSettingsJSON `json:"groupSettings"`
}

// participantJSON is a member in GroupInfo; LID is filled only in GroupDetail.
type participantJSON struct {
	JID          string `json:"jid"`
	LID          string `json:"lid,omitempty"`
	IsAdmin      bool   `json:"isAdmin"`
	IsSuperAdmin bool   `json:"isSuperAdmin"`
}

// groupSettingsJSON is RyzeAPI's GroupPermissions, each the user-facing inverse or reading of a
// WhatsApp group flag.
type groupSettingsJSON struct {
	MembersCanEditInfo     bool `json:"membersCanEditInfo"`
	MembersCanSendMessages bool `json:"membersCanSendMessages"`
	MembersCanAddOthers    bool `json:"membersCanAddOthers"`
	RequireAdminApproval   bool `json:"requireAdminApproval"`
}

// newGroupInfoJSON renders a group as GroupInfo. inviteCode is "" when the caller did not (or
// could not, not being admin) fetch it; the link is then "" too. withLID adds members' LIDs.
func newGroupInfoJSON(g *switchboard.Group, inviteCode string, withLID bool) groupInfoJSON {
	v := groupInfoJSON{
		Name:             g.Name,
		JID:              g.JID.String(),
		Description:      g.Topic,
		InviteCode:       inviteCode,
		CreatedBy:        jidString(g.Creator),
		ParticipantCount: len(g.Participants),
		Participants:     make([]participantJSON, 0, len(g.Participants)),
		GroupSettings:    newGroupSettingsJSON(g),
	}
	if inviteCode != "" {
		v.InviteLink = inviteLinkPrefix + inviteCode
	}
	for _, p := range g.Participants {
		pj := participantJSON{JID: participantJID(p), IsAdmin: p.IsAdmin || p.IsSuperAdmin, IsSuperAdmin: p.IsSuperAdmin}
		if withLID {
			pj.LID = jidString(p.LID)
		}
		v.Participants = append(v.Participants, pj)
	}
	return v
}

// newGroupSettingsJSON maps WhatsApp's flags to RyzeAPI's permission names (section 2.0 table).
func newGroupSettingsJSON(g *switchboard.Group) groupSettingsJSON {
	return groupSettingsJSON{
		MembersCanEditInfo:     !g.Locked,
		MembersCanSendMessages: !g.Announce,
		MembersCanAddOthers:    g.MemberAddMode == "all_member_add",
		RequireAdminApproval:   g.JoinApproval,
	}
}

// participantJID prefers the phone-number JID users know; WhatsApp may address members by LID.
func participantJID(p switchboard.Participant) string {
	if !p.PhoneNumber.IsZero() {
		return p.PhoneNumber.String()
	}
	return jidString(p.JID)
}

// jidString renders an empty JID as "".
func jidString(j switchboard.JID) string {
	if j.IsZero() {
		return ""
	}
	return j.String()
}
