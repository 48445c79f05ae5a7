package httpapi

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/switchboard/switchboard"
)

// WhatsApp's limits on what a client sends to the group routes, checked here so the client gets
// a clear 400 instead of WhatsApp's bare 406.
const (
	maxGroupNameRunes        = 100  // subject length WhatsApp accepts today
	maxGroupDescriptionRunes = 2048 // description length of WhatsApp's apps
	maxParticipantsPerCall   = 1024 // a group's member limit; more can never succeed
)

// groupSettingsInput is RyzeAPI's GroupPermissions as a partial update: a nil field is left
// as it is.
type groupSettingsInput struct {
	MembersCanEditInfo     *bool `json:"membersCanEditInfo"`
	MembersCanSendMessages *bool `json:"membersCanSendMessages"`
	MembersCanAddOthers    *bool `json:"membersCanAddOthers"`
	RequireAdminApproval   *bool `json:"requireAdminApproval"`
}

func (in *groupSettingsInput) empty() bool {
	return in == nil || *in == groupSettingsInput{}
}

// toCreateParams sets the permission flags of a new group.
func (in *groupSettingsInput) toCreateParams(p *switchboard.CreateGroupParams) {
	if in == nil {
		return
	}
	if in.MembersCanEditInfo != nil {
		p.Locked = !*in.MembersCanEditInfo
	}
	if in.MembersCanSendMessages != nil {
		p.Announce = !*in.MembersCanSendMessages
	}
	if in.RequireAdminApproval != nil {
		p.JoinApproval = *in.RequireAdminApproval
	}
	if in.MembersCanAddOthers != nil {
		p.MemberAddMode = memberAddMode(*in.MembersCanAddOthers)
	}
}

func memberAddMode(allMembers bool) string {
	if allMembers {
		return "all_member_add"
	}
	return "admin_add"
}

// validGroupName trims and checks a group name; field names it in messages.
func validGroupName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", invalid("Group name is required")
	}
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxGroupNameRunes {
		return "", invalid(fmt.Sprintf("Group name must be valid text of at most %d characters", maxGroupNameRunes))
	}
	return name, nil
}

func validGroupDescription(description string) error {
	if !utf8.ValidString(description) || utf8.RuneCountInString(description) > maxGroupDescriptionRunes {
		return invalid(fmt.Sprintf("Group description must be valid text of at most %d characters", maxGroupDescriptionRunes))
	}
	return nil
}
