package httpapi

import (
	"time"

	"github.com/switchboard/switchboard"
)

// groupDetailJSON is RyzeAPI's GroupDetail (section 2.0), returned by GET /api/group/info:
// GroupInfo plus image, createdAt, metadata and the state flags, with members' LIDs. The contract
// describes these additions in prose only; the field names follow that prose.
type groupDetailJSON struct {
	groupInfoJSON
	// Participants shadows GroupInfo's list so that ?participants=false can leave it out
	// entirely (nil) while an included empty list still renders as [].
	Participants *[]participantJSON `json:"participants,omitempty"`
	// Image is the URL of the group's picture as WhatsApp signs it (it expires), null when the
	// group has none or the picture could not be read (see pictureOf).
	Image             *string           `json:"image"`
	CreatedAt         *string           `json:"createdAt"`
	Metadata          groupMetadataJSON `json:"metadata"`
	IsEphemeral       bool              `json:"isEphemeral"`
	IsIncognito       bool              `json:"isIncognito"`
	IsSuspended       bool              `json:"isSuspended"`
	IsDefaultSubGroup bool              `json:"isDefaultSubGroup"`
	IsCommunity       bool              `json:"isCommunity"`               // Switchboard addition
	LinkedParentJID   string            `json:"linkedParentJid,omitempty"` // Switchboard addition: the community of a subgroup
}

// groupMetadataJSON says who last changed the name and the description, and when (RFC 3339,
// UTC; null when WhatsApp did not say).
type groupMetadataJSON struct {
	NameSetBy        string  `json:"nameSetBy"`
	NameSetAt        *string `json:"nameSetAt"`
	DescriptionSetBy string  `json:"descriptionSetBy"`
	DescriptionSetAt *string `json:"descriptionSetAt"`
}

// newGroupDetailJSON renders g as GroupDetail; withParticipants false leaves the member list out.
func newGroupDetailJSON(g *switchboard.Group, inviteCode string, withParticipants bool) groupDetailJSON {
	info := newGroupInfoJSON(g, inviteCode, true)
	d := groupDetailJSON{
		groupInfoJSON: info,
		CreatedAt:     timeString(g.CreatedAt),
		Metadata: groupMetadataJSON{
			NameSetBy:        jidString(g.NameSetBy),
			NameSetAt:        timeString(g.NameSetAt),
			DescriptionSetBy: jidString(g.TopicSetBy),
			DescriptionSetAt: timeString(g.TopicSetAt),
		},
		IsEphemeral:       g.IsEphemeral,
		IsIncognito:       g.IsIncognito,
		IsSuspended:       g.IsSuspended,
		IsDefaultSubGroup: g.IsDefaultSubGroup,
		IsCommunity:       g.IsCommunity,
		LinkedParentJID:   jidString(g.LinkedParent),
	}
	if withParticipants {
		d.Participants = &info.Participants
	}
	return d
}

// groupListEntryJSON is one group of GET /api/group/list: GroupInfo without the invite code
// (reading it is one admin-only WhatsApp request per group) plus what tells groups,
// communities and announcement groups apart.
type groupListEntryJSON struct {
	groupInfoJSON
	Participants      *[]participantJSON `json:"participants,omitempty"`
	IsCommunity       bool               `json:"isCommunity"`
	IsDefaultSubGroup bool               `json:"isDefaultSubGroup"`
	LinkedParentJID   string             `json:"linkedParentJid,omitempty"`
}

func newGroupListEntryJSON(g *switchboard.Group, withParticipants bool) groupListEntryJSON {
	info := newGroupInfoJSON(g, "", false)
	e := groupListEntryJSON{
		groupInfoJSON:     info,
		IsCommunity:       g.IsCommunity,
		IsDefaultSubGroup: g.IsDefaultSubGroup,
		LinkedParentJID:   jidString(g.LinkedParent),
	}
	if withParticipants {
		e.Participants = &info.Participants
	}
	return e
}

// timeString renders a WhatsApp timestamp as RFC 3339 in UTC, or null when it is unknown.
func timeString(t time.Time) *string {
	if t.IsZero() || t.Unix() == 0 {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}
