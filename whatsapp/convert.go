package whatsapp

import (
	"strconv"

	"go.mau.fi/whatsmeow/types"

	"github.com/switchboard/switchboard"
)

// whatsmeow's types stop here: everything that leaves this package is a domain type.

// toDomainJID keeps user, server and device. whatsmeow's RawAgent and Integrator only matter to
// the wire format and never appear in the JIDs this gateway handles.
func toDomainJID(j types.JID) switchboard.JID {
	if j.IsEmpty() {
		return switchboard.JID{}
	}
	return switchboard.JID{User: j.User, Server: j.Server, Device: j.Device}
}

func toWAJID(j switchboard.JID) types.JID {
	if j.IsZero() {
		return types.EmptyJID
	}
	return types.JID{User: j.User, Server: j.Server, Device: j.Device}
}

func toWAJIDs(js []switchboard.JID) []types.JID {
	out := make([]types.JID, len(js))
	for i, j := range js {
		out[i] = toWAJID(j)
	}
	return out
}

func toDomainJIDs(js []types.JID) []switchboard.JID {
	out := make([]switchboard.JID, len(js))
	for i, j := range js {
		out[i] = toDomainJID(j)
	}
	return out
}

// preferPN picks the phone-number form of a person when WhatsApp sent it next to a LID: API
// clients know their contacts by number, and a LID alone tells them nothing.
func preferPN(lidOrPN, pn types.JID) switchboard.JID {
	if !pn.IsEmpty() {
		return toDomainJID(pn)
	}
	return toDomainJID(lidOrPN)
}

// toDomainGroup converts WhatsApp's view of a group. own and ownLID are the instance's phone JID
// and LID: when WhatsApp lists the instance itself by LID only (LID-addressed groups), its phone
// number is filled in so that "am I an admin" checks by phone number still find it.
func toDomainGroup(g *types.GroupInfo, own, ownLID types.JID) *switchboard.Group {
	if g == nil {
		return nil
	}
	out := &switchboard.Group{
		JID:               toDomainJID(g.JID),
		Name:              g.Name,
		NameSetBy:         preferPN(g.NameSetBy, g.NameSetByPN),
		NameSetAt:         g.NameSetAt,
		Topic:             g.Topic,
		TopicSetBy:        preferPN(g.TopicSetBy, g.TopicSetByPN),
		TopicSetAt:        g.TopicSetAt,
		Creator:           preferPN(g.OwnerJID, g.OwnerPN),
		CreatedAt:         g.GroupCreated,
		IsCommunity:       g.IsParent,
		IsDefaultSubGroup: g.IsDefaultSubGroup,
		LinkedParent:      toDomainJID(g.LinkedParentJID),
		Locked:            g.IsLocked,
		Announce:          g.IsAnnounce,
		JoinApproval:      g.IsJoinApprovalRequired,
		MemberAddMode:     string(g.MemberAddMode),
		IsEphemeral:       g.IsEphemeral,
		IsIncognito:       g.IsIncognito,
		IsSuspended:       g.Suspended,
		Participants:      make([]switchboard.Participant, 0, len(g.Participants)),
	}
	for _, p := range g.Participants {
		if p.Error != 0 {
			// A create reply lists the participants it could not add with an error code; they
			// are not members.
			out.NotAdded = append(out.NotAdded, switchboard.ParticipantResult{
				JID: preferPN(p.JID, p.PhoneNumber).ToNonAD(), Error: strconv.Itoa(p.Error)})
			continue
		}
		out.Participants = append(out.Participants, toDomainParticipant(p, own, ownLID))
	}
	return out
}

func toDomainParticipant(p types.GroupParticipant, own, ownLID types.JID) switchboard.Participant {
	pn := p.PhoneNumber
	if pn.IsEmpty() && !ownLID.IsEmpty() && p.LID.ToNonAD() == ownLID.ToNonAD() {
		pn = own.ToNonAD()
	}
	return switchboard.Participant{
		JID:          toDomainJID(p.JID),
		LID:          toDomainJID(p.LID),
		PhoneNumber:  toDomainJID(pn),
		IsAdmin:      p.IsAdmin,
		IsSuperAdmin: p.IsSuperAdmin,
	}
}

func toDomainSubGroups(targets []*types.GroupLinkTarget) []switchboard.SubGroup {
	out := make([]switchboard.SubGroup, 0, len(targets))
	for _, t := range targets {
		if t == nil {
			continue
		}
		out = append(out, switchboard.SubGroup{JID: toDomainJID(t.JID), Name: t.Name, IsDefault: t.IsDefaultSubGroup})
	}
	return out
}

// toParticipantResults reports each participant of a bulk change under the JID the caller asked
// about: WhatsApp may answer a phone-number request with the member's LID (or the reverse), and a
// caller can only match results it recognises.
func toParticipantResults(requested []types.JID, answered []types.GroupParticipant) []switchboard.ParticipantResult {
	asked := make(map[types.JID]bool, len(requested))
	for _, j := range requested {
		asked[j.ToNonAD()] = true
	}
	out := make([]switchboard.ParticipantResult, 0, len(answered))
	for _, p := range answered {
		jid := p.JID
		for _, candidate := range []types.JID{p.JID, p.PhoneNumber, p.LID} {
			if !candidate.IsEmpty() && asked[candidate.ToNonAD()] {
				jid = candidate
				break
			}
		}
		r := switchboard.ParticipantResult{JID: toDomainJID(jid.ToNonAD()), OK: p.Error == 0}
		if p.Error != 0 {
			r.Error = strconv.Itoa(p.Error)
		}
		out = append(out, r)
	}
	return out
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
