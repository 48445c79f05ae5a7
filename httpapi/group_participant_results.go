package httpapi

import (
	"fmt"
	"strings"

	"github.com/switchboard/switchboard"
)

// participantResultJSON is the outcome for one participant of /participants and of group
// create (RyzeAPI section 2.3.5: `success`, and `error` with the reason when false). `reason`
// is Switchboard's machine-readable form of `error`.
type participantResultJSON struct {
	JID     string `json:"jid"`
	Success bool   `json:"success"`
	Error   string `json:"error,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// Per-participant failure reasons.
const (
	reasonInvalidNumber     = "invalid_number"
	reasonNotOnWhatsApp     = "not_on_whatsapp"
	reasonAlreadyMember     = "already_member"
	reasonNotMember         = "not_member"
	reasonPrivacyRestricted = "privacy_restricted"
	reasonRecentlyLeft      = "recently_left"
	reasonNotAllowed        = "not_allowed"
	reasonNoRequest         = "no_request"
	reasonGroupFull         = "group_full"
	reasonWhatsAppError     = "whatsapp_error"
)

// participantPlan turns a client's participant list into what is sent to WhatsApp and keeps
// one result slot per distinct entry, in request order. Entries that are not a number, a user
// JID or a LID fail here and are never sent.
type participantPlan struct {
	results []participantResultJSON
	settled []bool
	slot    map[switchboard.JID]int // JID sent to WhatsApp → result slot
	send    []switchboard.JID
}

func planParticipants(raw []string) (*participantPlan, error) {
	if len(raw) > maxParticipantsPerCall {
		return nil, invalid(fmt.Sprintf("At most %d participants per request", maxParticipantsPerCall))
	}
	p := &participantPlan{slot: map[switchboard.JID]int{}, results: []participantResultJSON{}}
	seenRaw := map[string]bool{}
	for _, entry := range raw {
		jid, err := switchboard.NormalizeUserJID(entry)
		if err != nil {
			key := strings.TrimSpace(entry)
			if seenRaw[key] {
				continue
			}
			seenRaw[key] = true
			p.results = append(p.results, participantResultJSON{JID: key, Reason: reasonInvalidNumber,
				Error: "Invalid participant: use a phone number with country code, a user JID or a LID"})
			p.settled = append(p.settled, true)
			continue
		}
		if _, dup := p.slot[jid]; dup {
			continue
		}
		p.slot[jid] = len(p.results)
		p.results = append(p.results, participantResultJSON{JID: jid.String()})
		p.settled = append(p.settled, false)
		p.send = append(p.send, jid)
	}
	return p, nil
}

// substitute sends to instead of from (a pending requester's LID for the phone number the
// client gave), keeping from's result slot.
func (p *participantPlan) substitute(from, to switchboard.JID) {
	i, ok := p.slot[from]
	if !ok || from == to {
		return
	}
	delete(p.slot, from)
	p.slot[to] = i
	for k, j := range p.send {
		if j == from {
			p.send[k] = to
		}
	}
}

// fail settles one participant without asking WhatsApp and stops it from being sent.
func (p *participantPlan) fail(jid switchboard.JID, reason, message string) {
	i, ok := p.slot[jid]
	if !ok {
		return
	}
	p.results[i].Reason, p.results[i].Error, p.settled[i] = reason, message, true
	p.unsend(jid)
}

// succeed settles one participant as done without asking WhatsApp (the creator of a new group,
// who is a member by definition).
func (p *participantPlan) succeed(jid switchboard.JID) {
	if i, ok := p.slot[jid]; ok {
		p.results[i].Success, p.settled[i] = true, true
		p.unsend(jid)
	}
}

func (p *participantPlan) unsend(jid switchboard.JID) {
	kept := p.send[:0]
	for _, j := range p.send {
		if j != jid {
			kept = append(kept, j)
		}
	}
	p.send = kept
}

// settle records WhatsApp's per-participant answers; a participant WhatsApp did not mention
// fails, since nothing says it was done.
func (p *participantPlan) settle(action switchboard.GroupAction, answers []switchboard.ParticipantResult) {
	for _, a := range answers {
		i, ok := p.slot[a.JID.ToNonAD()]
		if !ok || p.settled[i] {
			continue
		}
		p.settled[i] = true
		if a.OK {
			p.results[i].Success = true
			continue
		}
		p.results[i].Reason, p.results[i].Error = participantFailure(action, a.Error)
	}
	for i := range p.results {
		if !p.settled[i] {
			p.settled[i] = true
			p.results[i].Reason, p.results[i].Error = reasonWhatsAppError, "WhatsApp did not report a result for this participant"
		}
	}
}

// succeeded counts the participants whose change was done.
func (p *participantPlan) succeeded() int {
	n := 0
	for _, r := range p.results {
		if r.Success {
			n++
		}
	}
	return n
}

// participantFailure explains WhatsApp's per-participant code for action. The codes are
// WhatsApp's (see wasim/internal/groupsim/FIDELITY.md); a code's meaning depends on the action.
func participantFailure(action switchboard.GroupAction, code string) (reason, message string) {
	adding := action == switchboard.ActionAdd
	request := action == switchboard.ActionApprove || action == switchboard.ActionReject
	switch {
	case code == "404" && adding:
		return reasonNotOnWhatsApp, "The number is not on WhatsApp"
	case code == "404" && request:
		return reasonNoRequest, "No pending join request from this user"
	case code == "404":
		return reasonNotMember, "Not a member of this group"
	case code == "409" && adding:
		return reasonAlreadyMember, "Already a member of this group"
	case code == "403" && adding:
		return reasonPrivacyRestricted, "The user's privacy settings do not allow adding them to groups"
	case code == "403":
		return reasonNotAllowed, "Only a super-admin can change a super-admin"
	case code == "408" && adding:
		return reasonRecentlyLeft, "The user left the group recently and cannot be added yet"
	case code == "419":
		return reasonGroupFull, "The group is full"
	default:
		return reasonWhatsAppError, fmt.Sprintf("WhatsApp refused the change (code %s)", code)
	}
}

// pastTense names what happened to participants for the summary message.
func pastTense(action switchboard.GroupAction) string {
	switch action {
	case switchboard.ActionAdd:
		return "added"
	case switchboard.ActionRemove:
		return "removed"
	case switchboard.ActionPromote:
		return "promoted"
	case switchboard.ActionDemote:
		return "demoted"
	case switchboard.ActionApprove:
		return "approved"
	default:
		return "rejected"
	}
}
