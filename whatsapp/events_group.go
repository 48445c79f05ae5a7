package whatsapp

import (
	"time"

	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/switchboard/switchboard"
)

// joinedGroup reports the instance joining a group (added, invited by link, or creating it),
// with the group's state at that moment.
func joinedGroup(e *events.JoinedGroup) pendingEvent {
	at := e.GroupCreated
	if at.IsZero() {
		at = time.Now()
	}
	name, topic := e.Name, e.Topic
	announce, locked := e.IsAnnounce, e.IsLocked
	d := switchboard.GroupFlowData{
		Action: switchboard.GroupJoined, Group: e.JID.String(), Timestamp: at.UTC(), Reason: e.Reason,
		Name: &name, Topic: &topic, Announce: &announce, Locked: &locked, IsCommunity: e.IsParent,
	}
	if e.Sender != nil {
		d.Author = personOf(*e.Sender, jidOrEmpty(e.SenderPN), "").JID
	}
	for _, p := range e.Participants {
		d.Participants = append(d.Participants, personOf(p.JID, p.PhoneNumber, "").JID)
	}
	if !e.LinkedParentJID.IsEmpty() {
		d.LinkedGroup, d.LinkType = e.LinkedParentJID.String(), string(types.GroupLinkChangeTypeParent)
	}
	// Joining is a once-per-group fact: a redelivered notification must not be a second event.
	return pendingEvent{typ: switchboard.EventGroupFlow, key: switchboard.EventGroupFlow + "/joined/" + d.Group + "/" + e.CreateKey + "/" + at.UTC().Format(time.RFC3339Nano), at: at, data: d}
}

// groupFlow splits one group notification into an event per kind of change: participants who
// joined, left, were promoted or demoted; metadata; a community link or unlink.
func groupFlow(e *events.GroupInfo) []pendingEvent {
	at := e.Timestamp.UTC()
	if at.IsZero() {
		at = time.Now().UTC()
	}
	base := switchboard.GroupFlowData{Group: e.JID.String(), Timestamp: at}
	if e.Sender != nil {
		base.Author = personOf(*e.Sender, jidOrEmpty(e.SenderPN), "").JID
	}
	var out []pendingEvent
	add := func(d switchboard.GroupFlowData) {
		out = append(out, pendingEvent{typ: switchboard.EventGroupFlow, at: at, data: d})
	}
	for _, change := range []struct {
		action string
		users  []types.JID
	}{
		{switchboard.GroupAdd, e.Join}, {switchboard.GroupLeave, e.Leave},
		{switchboard.GroupPromote, e.Promote}, {switchboard.GroupDemote, e.Demote},
	} {
		if len(change.users) == 0 {
			continue
		}
		d := base
		d.Action = change.action
		for _, u := range change.users {
			d.Participants = append(d.Participants, u.ToNonAD().String())
		}
		if change.action == switchboard.GroupAdd {
			d.Reason = e.JoinReason
		}
		add(d)
	}
	if d, ok := metadataChange(base, e); ok {
		add(d)
	}
	for _, l := range []struct {
		action string
		link   *types.GroupLinkChange
	}{{switchboard.GroupLinked, e.Link}, {switchboard.GroupUnlinked, e.Unlink}} {
		if l.link == nil {
			continue
		}
		d := base
		d.Action, d.LinkType = l.action, string(l.link.Type)
		d.LinkedGroup, d.LinkedGroupName = l.link.Group.JID.String(), l.link.Group.Name
		d.Reason = string(l.link.UnlinkReason)
		add(d)
	}
	return out
}

// metadataChange gathers the group's new name, topic, settings and invite link into one update.
func metadataChange(base switchboard.GroupFlowData, e *events.GroupInfo) (switchboard.GroupFlowData, bool) {
	d := base
	d.Action = switchboard.GroupUpdate
	changed := false
	if e.Name != nil {
		d.Name, changed = &e.Name.Name, true
	}
	if e.Topic != nil {
		d.Topic, changed = &e.Topic.Topic, true
	}
	if e.Announce != nil {
		d.Announce, changed = &e.Announce.IsAnnounce, true
	}
	if e.Locked != nil {
		d.Locked, changed = &e.Locked.IsLocked, true
	}
	if e.Ephemeral != nil {
		timer := e.Ephemeral.DisappearingTimer
		d.Ephemeral, changed = &timer, true
	}
	if e.MembershipApprovalMode != nil {
		mode := "off"
		if e.MembershipApprovalMode.IsJoinApprovalRequired {
			mode = "on"
		}
		d.ApprovalMode, changed = &mode, true
	}
	if e.NewInviteLink != nil {
		d.InviteLink, changed = e.NewInviteLink, true
	}
	if e.Delete != nil && e.Delete.Deleted {
		d.Deleted, d.Reason, changed = true, e.Delete.DeleteReason, true
	}
	return d, changed
}

func jidOrEmpty(j *types.JID) types.JID {
	if j == nil {
		return types.EmptyJID
	}
	return *j
}
